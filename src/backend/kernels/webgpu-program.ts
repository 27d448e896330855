/**
 * The parts of `@tensorflow/tfjs-backend-webgpu` that this library's WebGPU kernels use,
 * typed here so that the kernels need neither that optional package nor `@webgpu/types`
 * at compile time. They match tfjs-backend-webgpu 4.x (`WebGPUProgram`,
 * `WebGPUBackend.runWebGPUProgram`).
 *
 * A program declares its inputs (`variableNames`), the output shape, the workgroup size
 * and how many workgroups to dispatch; `getUserCode` returns WGSL that defines `main()`
 * (or `main(index: i32)` for a flat dispatch layout). The backend prepends the bindings
 * (`result`, one array per input, `uniforms`) and the builtins `localId`, `workgroupId`,
 * `globalId`, and compiles one pipeline per `shaderKey`: the key must name every constant
 * baked into the code.
 */
import type * as tf from '@tensorflow/tfjs';

/** A compute program run by `WebGPUBackend.runWebGPUProgram`. */
export interface WebgpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  /** Which output dimensions map to the x, y and z of the dispatch grid. */
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  /** Number of workgroups along x, y, z. */
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** Adds `uniforms.size` (the output size). */
  size?: boolean;
  getUserCode: () => string;
}

/** The WebGPU backend, as far as these kernels use it. */
export interface WebgpuBackendLike extends tf.KernelBackend {
  runWebGPUProgram(
    program: WebgpuProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    programDefinedUniform?: Array<{ type: string; data: number[] }>,
  ): tf.TensorInfo;
}
