/**
 * JSON encoding of tensors, bit for bit: the values travel as base64 of their
 * little-endian bytes, so a float32 comes back with the same bits (NaN payloads and
 * negative zeros included).
 */
import * as tf from '@tensorflow/tfjs';

/** A tensor as JSON. */
export interface SerializedTensor {
  dtype: 'float32' | 'int32' | 'bool';
  shape: number[];
  /** base64 of the values' little-endian bytes (4 bytes per element; bool as int32 0/1). */
  data: string;
}

/** Reads a tensor to the host and encodes it. */
export async function encodeTensor(t: tf.Tensor): Promise<SerializedTensor> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') {
    throw new TypeError(`Expected a float32, int32 or bool tensor, got dtype ${t.dtype}.`);
  }
  const values = await t.data();
  const typed = t.dtype === 'float32' ? Float32Array.from(values as Float32Array) : Int32Array.from(values as Int32Array);
  return { dtype: t.dtype, shape: [...t.shape], data: Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString('base64') };
}

/** Decodes a {@link SerializedTensor} into a new tensor on the active backend. */
export function decodeTensor(s: SerializedTensor, name = 'tensor'): tf.Tensor {
  if (s == null || typeof s !== 'object' || typeof s.data !== 'string' || !Array.isArray(s.shape)) {
    throw new TypeError(`Expected \`${name}\` to be a serialized tensor { dtype, shape, data }, got ${JSON.stringify(s)?.slice(0, 60)}.`);
  }
  const bytes = Buffer.from(s.data, 'base64');
  const size = s.shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== size * 4) {
    throw new RangeError(`Expected \`${name}\` to hold ${size * 4} bytes for shape [${s.shape}], got ${bytes.byteLength}.`);
  }
  const copy = new Uint8Array(bytes).buffer;
  if (s.dtype === 'float32') return tf.tensor(new Float32Array(copy), s.shape, 'float32');
  if (s.dtype === 'int32' || s.dtype === 'bool') return tf.tensor(new Int32Array(copy), s.shape, s.dtype);
  throw new TypeError(`Expected \`${name}.dtype\` to be float32, int32 or bool, got ${JSON.stringify((s as { dtype: unknown }).dtype)}.`);
}
