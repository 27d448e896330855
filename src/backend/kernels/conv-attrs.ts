/** Attribute types shared by the conv2d gradient kernels. */
import type * as tf from '@tensorflow/tfjs';

/** A 4-D shape. */
export type Shape4 = [number, number, number, number];

/** The attributes tfjs passes to both conv2d gradient kernels. */
export interface Conv2DGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
