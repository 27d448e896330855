/**
 * Residual networks built with the tfjs-layers functional API.
 *
 * - {@link resnetCifar}: the CIFAR-10 ResNet v1 of He et al. 2016 ("Deep Residual Learning
 *   for Image Recognition", section 4.2): a 3x3 stem, three stages of `n` basic blocks
 *   with widths 16/32/64 (depth 6n+2), global average pooling and a softmax head. Shortcuts
 *   are option A: identity, and when the shape changes a stride-2 subsampling with
 *   zero-padded extra channels (no parameters). This is the variant whose parameter counts
 *   the paper reports (ResNet-20 0.27 M, ResNet-56 0.85 M); 1x1 projection shortcuts would
 *   add 2,752 trainable parameters whatever the depth (two 1x1 projections and their batch norms).
 * - {@link resnetImageNet}: the ImageNet ResNet-18/34 (basic blocks) and ResNet-50
 *   (bottleneck blocks), with option B shortcuts (1x1 projection + batch norm where the
 *   shape changes, identity elsewhere), the architectures of the paper's table 1 with the
 *   usual parameter counts (11.7 M / 21.8 M / 25.6 M with 1000 classes).
 *
 * Every convolution is followed by batch norm and has no bias; kernels use He-normal
 * initialization, seeded per layer when `seed` is given, so two builds with the same
 * seed have identical weights.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, integerAtLeast, nonNegativeNumber, optionsObject, knownKeys } from '../util/validate.js';

/** Depths accepted by {@link resnetCifar}: 6n+2. */
export const RESNET_CIFAR_DEPTHS = [8, 14, 20, 32, 44, 56, 110] as const;
/** Depths accepted by {@link resnetImageNet}. */
export const RESNET_IMAGENET_DEPTHS = [18, 34, 50] as const;

/** Options of {@link resnetCifar}. */
export interface ResNetCifarOptions {
  /**
   * Number of layers with weights, 6n+2: 20, 32, 44, 56 or 110 (the paper's), or 8 and 14
   * (one and two blocks per stage) for quick runs on a CPU.
   */
  depth: number;
  /**
   * Shape of one input image, [height, width, channels].
   * @default [32, 32, 3]
   */
  inputShape?: readonly [number, number, number] | readonly number[];
  /**
   * Number of classes of the softmax head (an integer >= 2).
   * @default 10
   */
  numClasses?: number;
  /**
   * Width of the first stage; the stages have widths `baseWidth`, 2·`baseWidth`, 4·`baseWidth`.
   * @default 16
   */
  baseWidth?: number;
  /**
   * Weight decay on conv and dense kernels (not on biases or batch-norm parameters), with
   * the meaning of SGD's `weight_decay`: the gradient of each kernel gains `weightDecay · w`.
   * It is implemented as an L2 regularizer with coefficient `weightDecay / 2`, since the
   * regularizer adds `l2 · Σ w²` to the loss. 0 adds no regularizer.
   * @default 0
   */
  weightDecay?: number;
  /**
   * Seed of the kernel initializers, an integer >= 0 (layer i uses `seed + i + 1`: tfjs
   * treats a seed of 0 as no seed). Unset: unseeded, so each build has different weights.
   * @default undefined
   */
  seed?: number;
  /**
   * Name of the model.
   * @default `resnet${depth}`
   */
  name?: string;
}

/** Options of {@link resnetImageNet}. */
export interface ResNetImageNetOptions {
  /** 18 or 34 (basic blocks) or 50 (bottleneck blocks). */
  depth: number;
  /**
   * Shape of one input image, [height, width, channels].
   * @default [224, 224, 3]
   */
  inputShape?: readonly [number, number, number] | readonly number[];
  /**
   * Number of classes of the softmax head (an integer >= 2).
   * @default 1000
   */
  numClasses?: number;
  /**
   * Weight decay on conv and dense kernels; see {@link ResNetCifarOptions.weightDecay}.
   * @default 0
   */
  weightDecay?: number;
  /**
   * Seed of the kernel initializers, an integer >= 0 (layer i uses `seed + i + 1`: tfjs
   * treats a seed of 0 as no seed).
   * @default undefined
   */
  seed?: number;
  /**
   * Name of the model.
   * @default `resnet${depth}`
   */
  name?: string;
}

/**
 * The option A shortcut of a CIFAR ResNet when a block changes shape: keeps every
 * `stride`-th pixel (x[:, ::stride, ::stride, :]) and zero-pads the channels up to
 * `channels`, half before and half after. It has no weights.
 */
export class PadShortcut extends tf.layers.Layer {
  static readonly className = 'AutolrsPadShortcut';
  readonly channels: number;
  readonly stride: number;

  constructor(args: { channels: number; stride: number; name?: string }) {
    super({ name: args.name });
    this.channels = args.channels;
    this.stride = args.stride;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const sub = (d: number | null): number | null => (d == null ? null : Math.ceil(d / this.stride));
    return [s[0] ?? null, sub(s[1] ?? null), sub(s[2] ?? null), this.channels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      // A 1x1 average pool with stride s is exactly the subsampling x[:, ::s, ::s, :]
      // (and, unlike a strided slice, has a gradient in every backend).
      if (this.stride > 1) x = tf.avgPool(x, 1, this.stride, 'valid');
      const extra = this.channels - x.shape[3];
      if (extra <= 0) return x;
      const before = Math.floor(extra / 2);
      return tf.pad(x, [[0, 0], [0, 0], [0, 0], [before, extra - before]]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), channels: this.channels, stride: this.stride };
  }
}
tf.serialization.registerClass(PadShortcut);

interface Common {
  inputShape: [number, number, number];
  numClasses: number;
  weightDecay: number;
  seed: number | undefined;
  name: string;
}

function validateCommon(
  fn: string,
  opts: { inputShape?: readonly number[]; numClasses?: number; weightDecay?: number; seed?: number; name?: string; depth: number },
  defaultShape: [number, number, number],
  defaultClasses: number,
): Common {
  const inputShape = opts.inputShape ?? defaultShape;
  if (
    !Array.isArray(inputShape) ||
    inputShape.length !== 3 ||
    !inputShape.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0)
  ) {
    const got = Array.isArray(inputShape) ? `[${inputShape.map((d) => describe(d)).join(', ')}]` : describe(inputShape);
    throw new RangeError(`Expected \`${fn}.inputShape\` to be 3 positive integers [height, width, channels], got ${got}.`);
  }
  const numClasses = integerAtLeast(`${fn}.numClasses`, opts.numClasses ?? defaultClasses, 2);
  const weightDecay = nonNegativeNumber(`${fn}.weightDecay`, opts.weightDecay ?? 0);
  const seed = opts.seed === undefined ? undefined : integerAtLeast(`${fn}.seed`, opts.seed, 0);
  const name = opts.name ?? `resnet${opts.depth}`;
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`Expected \`${fn}.name\` to be a non-empty string, got ${describe(name)}.`);
  }
  return { inputShape: [...inputShape] as [number, number, number], numClasses, weightDecay, seed, name };
}

function checkDepth(fn: string, depth: unknown, allowed: readonly number[], what: string): number {
  if (typeof depth !== 'number' || !allowed.includes(depth)) {
    const msg = `Expected \`${fn}.depth\` to be ${what}, got ${describe(depth)}.`;
    throw typeof depth === 'number' ? new RangeError(msg) : new TypeError(msg);
  }
  return depth;
}

/** Builds layers with per-layer seeds, shared regularizer and unique names. */
class Builder {
  #next = 0;
  readonly #seed: number | undefined;
  readonly #regularizer: ReturnType<typeof tf.regularizers.l2> | undefined;

  constructor(common: Common) {
    this.#seed = common.seed;
    this.#regularizer = common.weightDecay > 0 ? tf.regularizers.l2({ l2: common.weightDecay / 2 }) : undefined;
  }

  #init(): ReturnType<typeof tf.initializers.heNormal> {
    const i = this.#next++;
    // + 1: tfjs's random generators take a seed of 0 as "no seed" (Math.random).
    return tf.initializers.heNormal(this.#seed === undefined ? {} : { seed: this.#seed + i + 1 });
  }

  conv(x: tf.SymbolicTensor, filters: number, kernelSize: number, strides: number, name: string): tf.SymbolicTensor {
    return tf.layers
      .conv2d({
        filters,
        kernelSize,
        strides,
        padding: 'same',
        useBias: false,
        kernelInitializer: this.#init(),
        kernelRegularizer: this.#regularizer,
        name,
      })
      .apply(x) as tf.SymbolicTensor;
  }

  bn(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
    // momentum 0.9 / epsilon 1e-5: the batch-norm constants of the reference implementations.
    return tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name }).apply(x) as tf.SymbolicTensor;
  }

  relu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
    return tf.layers.activation({ activation: 'relu', name }).apply(x) as tf.SymbolicTensor;
  }

  convBnRelu(x: tf.SymbolicTensor, filters: number, k: number, s: number, name: string, relu = true): tf.SymbolicTensor {
    const y = this.bn(this.conv(x, filters, k, s, `${name}_conv`), `${name}_bn`);
    return relu ? this.relu(y, `${name}_relu`) : y;
  }

  head(x: tf.SymbolicTensor, numClasses: number): tf.SymbolicTensor {
    const pooled = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
    return tf.layers
      .dense({
        units: numClasses,
        activation: 'softmax',
        kernelInitializer: this.#init(),
        kernelRegularizer: this.#regularizer,
        name: 'predictions',
      })
      .apply(pooled) as tf.SymbolicTensor;
  }
}

function add(a: tf.SymbolicTensor, b: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.add({ name }).apply([a, b]) as tf.SymbolicTensor;
}

/**
 * A CIFAR-style ResNet v1 of depth 6n+2 with option A (parameter-free) shortcuts.
 *
 * Parameter counts with 10 classes and `baseWidth` 16, trainable weights (the published
 * convention) / `model.countParams()` (which adds the batch-norm moving mean and variance):
 * ResNet-20 269,722 / 271,098; ResNet-32 464,154 / 466,426; ResNet-44 658,586 / 661,754;
 * ResNet-56 853,018 / 857,082; ResNet-110 1,727,962 / 1,736,058.
 *
 * @throws RangeError / TypeError for a depth that is not 8, 14, 20, 32, 44, 56 or 110, an
 *   `inputShape` that is not 3 positive integers, `numClasses` that is not an integer
 *   >= 2, or a negative `weightDecay`.
 */
export function resnetCifar(options: ResNetCifarOptions): tf.LayersModel {
  const fn = 'resnetCifar';
  const opts = optionsObject<ResNetCifarOptions>(fn, options);
  knownKeys(fn, opts, ['depth', 'inputShape', 'numClasses', 'baseWidth', 'weightDecay', 'seed', 'name']);
  const depth = checkDepth(fn, opts.depth, RESNET_CIFAR_DEPTHS, '6n+2 (8, 14, 20, 32, 44, 56, 110)');
  const common = validateCommon(fn, { ...opts, depth }, [32, 32, 3], 10);
  const baseWidth = integerAtLeast(`${fn}.baseWidth`, opts.baseWidth ?? 16, 1);
  const n = (depth - 2) / 6;
  const b = new Builder(common);

  const input = tf.input({ shape: common.inputShape, name: 'input' });
  let x = b.convBnRelu(input, baseWidth, 3, 1, 'stem');
  let channels = baseWidth;
  for (let stage = 0; stage < 3; stage++) {
    const width = baseWidth * 2 ** stage;
    for (let block = 0; block < n; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const p = `stage${stage + 1}_block${block + 1}`;
      let y = b.convBnRelu(x, width, 3, stride, `${p}_1`);
      y = b.convBnRelu(y, width, 3, 1, `${p}_2`, false);
      const shortcut =
        stride !== 1 || width !== channels
          ? (new PadShortcut({ channels: width, stride, name: `${p}_shortcut` }).apply(x) as tf.SymbolicTensor)
          : x;
      x = b.relu(add(y, shortcut, `${p}_add`), `${p}_out`);
      channels = width;
    }
  }
  const output = b.head(x, common.numClasses);
  return tf.model({ inputs: input, outputs: output, name: common.name });
}

/**
 * An ImageNet-style ResNet: ResNet-18/34 with basic blocks, ResNet-50 with bottleneck
 * blocks (expansion 4). Stem: 7x7/2 conv, batch norm, ReLU, 3x3/2 max pool. Stages of
 * widths 64/128/256/512; the first block of stages 2-4 has stride 2, and for ResNet-50
 * the stride sits on the 3x3 convolution of the bottleneck (the common "v1.5" placement;
 * the parameter count is the same as with the stride on the first 1x1). Shortcuts are
 * projections (1x1 conv + batch norm) where the shape changes, identities elsewhere.
 *
 * Parameter counts with 1000 classes, trainable weights / `model.countParams()`:
 * ResNet-18 11,689,512 / 11,699,112; ResNet-34 21,797,672 / 21,814,696;
 * ResNet-50 25,557,032 / 25,610,152.
 *
 * @throws RangeError / TypeError for a depth other than 18, 34, 50 or invalid options
 *   (see {@link resnetCifar}).
 */
export function resnetImageNet(options: ResNetImageNetOptions): tf.LayersModel {
  const fn = 'resnetImageNet';
  const opts = optionsObject<ResNetImageNetOptions>(fn, options);
  knownKeys(fn, opts, ['depth', 'inputShape', 'numClasses', 'weightDecay', 'seed', 'name']);
  const depth = checkDepth(fn, opts.depth, RESNET_IMAGENET_DEPTHS, 'one of 18, 34, 50');
  const common = validateCommon(fn, { ...opts, depth }, [224, 224, 3], 1000);
  const blocks = depth === 18 ? [2, 2, 2, 2] : [3, 4, 6, 3];
  const bottleneck = depth === 50;
  const expansion = bottleneck ? 4 : 1;
  const b = new Builder(common);

  const input = tf.input({ shape: common.inputShape, name: 'input' });
  let x = b.convBnRelu(input, 64, 7, 2, 'stem');
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'stem_pool' }).apply(x) as tf.SymbolicTensor;
  let channels = 64;
  for (let stage = 0; stage < 4; stage++) {
    const width = 64 * 2 ** stage;
    const out = width * expansion;
    for (let block = 0; block < blocks[stage]!; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const p = `stage${stage + 1}_block${block + 1}`;
      let y: tf.SymbolicTensor;
      if (bottleneck) {
        y = b.convBnRelu(x, width, 1, 1, `${p}_1`);
        y = b.convBnRelu(y, width, 3, stride, `${p}_2`);
        y = b.convBnRelu(y, out, 1, 1, `${p}_3`, false);
      } else {
        y = b.convBnRelu(x, width, 3, stride, `${p}_1`);
        y = b.convBnRelu(y, width, 3, 1, `${p}_2`, false);
      }
      const shortcut = stride !== 1 || out !== channels ? b.convBnRelu(x, out, 1, stride, `${p}_proj`, false) : x;
      x = b.relu(add(y, shortcut, `${p}_add`), `${p}_out`);
      channels = out;
    }
  }
  const output = b.head(x, common.numClasses);
  return tf.model({ inputs: input, outputs: output, name: common.name });
}
