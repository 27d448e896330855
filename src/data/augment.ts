/**
 * On-device data augmentation for image batches [batch, height, width, channels]:
 * random crop with zero padding (pad by `padding` pixels on each side, then crop a random
 * height x width window, independently per image) and random horizontal flip.
 *
 * The random offsets come from a seeded host generator (three numbers per image are
 * uploaded); the crop and flip themselves are one pad and one gather on the device, with
 * exact pixel values and no read back to the host.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from './random.js';
import { boolean, finiteNumber, integerAtLeast, optionsObject, knownKeys } from '../util/validate.js';

/** Options of the augmentation. */
export interface AugmentOptions {
  /**
   * Pixels of zero padding on each side before the random crop (the crop offset is
   * uniform in [-padding, padding] on each axis). 0 disables cropping. Zero is the
   * padding value in the images' own scale: for normalized images, the mean pixel.
   * @default 4
   */
  padding?: number;
  /**
   * Flip each image horizontally with probability 1/2.
   * @default true
   */
  flip?: boolean;
  /**
   * Seed of the random offsets and flips.
   * @default 0
   */
  seed?: number;
}

/** Per-image augmentation parameters: offsets into the padded image and flips. */
export interface CropFlipParams {
  /** Row offset of each crop in the padded image, in [0, 2·padding]. */
  dy: ArrayLike<number>;
  /** Column offset of each crop in the padded image, in [0, 2·padding]. */
  dx: ArrayLike<number>;
  /** 1 to flip the image horizontally (after cropping), 0 to keep it. */
  flip: ArrayLike<number>;
}

/**
 * Crops and flips each image of `x` with the given per-image parameters (deterministic).
 * Returns a new tensor of the same shape; `x` is not disposed.
 */
export function cropFlip(x: tf.Tensor4D, padding: number, params: CropFlipParams): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (params.dy.length !== b || params.dx.length !== b || params.flip.length !== b) {
    throw new RangeError(`Expected \`dy\`, \`dx\` and \`flip\` to have ${b} entries (the batch size).`);
  }
  return tf.tidy(() => {
    if (b === 0) return x.clone();
    const hp = h + 2 * padding;
    const wp = w + 2 * padding;
    const padded = padding > 0 ? tf.pad(x, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) : x;
    const flat = padded.reshape([b * hp * wp, c]);
    const dy = tf.tensor1d(Int32Array.from(params.dy), 'int32').reshape([b, 1, 1]);
    const dx = tf.tensor1d(Int32Array.from(params.dx), 'int32').reshape([b, 1, 1]);
    const flip = tf.tensor1d(Int32Array.from(params.flip), 'int32').reshape([b, 1, 1]);
    const i = tf.range(0, h, 1, 'int32').reshape([1, h, 1]);
    const j = tf.range(0, w, 1, 'int32').reshape([1, 1, w]);
    // Source column: dx + j, or dx + (w - 1 - j) when flipped: dx + j + flip·(w - 1 - 2j).
    const col = dx.add(j).add(flip.mul(tf.scalar(w - 1, 'int32').sub(j.mul(tf.scalar(2, 'int32')))));
    const row = dy.add(i);
    const image = tf.range(0, b, 1, 'int32').reshape([b, 1, 1]).mul(tf.scalar(hp * wp, 'int32'));
    const index = image.add(row.mul(tf.scalar(wp, 'int32'))).add(col); // [b, h, w]
    return tf.gather(flat, index) as tf.Tensor4D;
  });
}

/**
 * A seeded stream of random crops and flips: each {@link Augmenter.apply} draws new
 * offsets and flips for every image of the batch. Two augmenters built with the same
 * options produce the same sequence.
 */
export class Augmenter {
  readonly padding: number;
  readonly flip: boolean;
  readonly #rng: SeededRandom;

  constructor(options?: AugmentOptions) {
    const fn = 'Augmenter';
    const opts = optionsObject<AugmentOptions>(fn, options);
    knownKeys(fn, opts, ['padding', 'flip', 'seed']);
    this.padding = integerAtLeast(`${fn}.padding`, opts.padding ?? 4, 0);
    this.flip = boolean(`${fn}.flip`, opts.flip ?? true);
    this.#rng = new SeededRandom(finiteNumber(`${fn}.seed`, opts.seed ?? 0));
  }

  /** Draws the parameters of the next batch of `batchSize` images. */
  sample(batchSize: number): CropFlipParams {
    const dy = new Int32Array(batchSize);
    const dx = new Int32Array(batchSize);
    const flip = new Int32Array(batchSize);
    for (let k = 0; k < batchSize; k++) {
      dy[k] = this.#rng.int(2 * this.padding + 1);
      dx[k] = this.#rng.int(2 * this.padding + 1);
      flip[k] = this.flip && this.#rng.next() < 0.5 ? 1 : 0;
    }
    return { dy, dx, flip };
  }

  /**
   * Returns a randomly cropped and flipped copy of the batch `x` [batch, height, width,
   * channels]. The caller owns the result; `x` is not disposed.
   */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    if (x.rank !== 4) throw new RangeError(`Expected \`x\` to be a rank-4 tensor [batch, height, width, channels], got rank ${x.rank}.`);
    return cropFlip(x, this.padding, this.sample(x.shape[0]));
  }
}

/**
 * Random crop with padding and random horizontal flip of a batch, with a one-off seed.
 * For a stream of batches use an {@link Augmenter}.
 */
export function randomCropFlip(x: tf.Tensor4D, options?: AugmentOptions): tf.Tensor4D {
  return new Augmenter(options).apply(x);
}
