/**
 * Reader for the IDX format of MNIST and Fashion-MNIST.
 *
 * An IDX file is: two zero bytes, a dtype byte (0x08 uint8, 0x09 int8, 0x0B int16,
 * 0x0C int32, 0x0D float32, 0x0E float64), a byte with the number of dimensions, one
 * big-endian uint32 per dimension, then the values in row-major order, big-endian.
 * Files whose name ends in `.gz` are gunzipped first.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/** A dataset file that is missing, unreadable or not what it should be. */
export class DatasetError extends Error {
  /** The file concerned. */
  readonly file: string;

  constructor(message: string, file: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetError';
    this.file = file;
  }
}

/** Element types of the IDX format, by dtype byte. */
export const IDX_DTYPES = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
} as const;

/** Name of an IDX element type. */
export type IdxDtype = (typeof IDX_DTYPES)[keyof typeof IDX_DTYPES];

/** Array type holding the values of an IDX file, by element type. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file. */
export interface IdxArray {
  /** Element type. */
  dtype: IdxDtype;
  /** Dimensions, outermost first (e.g. [60000, 28, 28]). */
  shape: number[];
  /** Values in row-major order, in host byte order. */
  data: IdxData;
}

const BYTES: Record<IdxDtype, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };

/**
 * Parses the (already gunzipped) bytes of an IDX file.
 * @param file name used in error messages.
 * @throws DatasetError when the magic number, the dtype, the header or the size is wrong.
 */
export function parseIdx(bytes: Uint8Array, file = '<buffer>'): IdxArray {
  const fail = (what: string): never => {
    throw new DatasetError(`Corrupt IDX file ${file}: ${what}.`, file);
  };
  if (bytes.length < 4) fail(`only ${bytes.length} bytes, too short for the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
    fail(`bad magic number 0x${magic} (expected 0x0000 followed by a dtype byte and a rank byte)`);
  }
  const code = bytes[2]!;
  const dtype = (IDX_DTYPES as Record<number, IdxDtype | undefined>)[code];
  if (dtype === undefined) fail(`unknown dtype byte 0x${code.toString(16).padStart(2, '0')}`);
  const rank = bytes[3]!;
  if (rank === 0) fail('rank 0 (no dimensions)');
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) fail(`truncated header: ${bytes.length} bytes, ${headerBytes} expected for rank ${rank}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const size = BYTES[dtype!];
  const expected = headerBytes + count * size;
  if (bytes.length !== expected) {
    fail(
      `${bytes.length < expected ? 'truncated' : 'size mismatch'}: ${bytes.length} bytes, ` +
        `${expected} expected for ${dtype} [${shape.join(', ')}]`,
    );
  }
  return { dtype: dtype!, shape, data: decode(view, headerBytes, count, dtype!) };
}

function decode(view: DataView, offset: number, count: number, dtype: IdxDtype): IdxData {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int8':
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/**
 * Reads and parses an IDX file, gunzipping it when its name ends in `.gz`.
 * @throws DatasetError when the file is missing or unreadable (`code` of the system error
 *   in the message), not valid gzip, or not a valid IDX file.
 */
export async function readIdx(file: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why = code === 'ENOENT' ? 'file not found' : `cannot read it (${code ?? String(err)})`;
    throw new DatasetError(`Cannot read IDX file ${file}: ${why}.`, file, { cause: err });
  }
  if (file.endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DatasetError(`Corrupt gzip file ${file}: ${(err as Error).message}.`, file, { cause: err });
    }
  }
  return parseIdx(bytes, file);
}

/**
 * Encodes an array as IDX bytes (the inverse of {@link parseIdx}); useful to write
 * small fixtures.
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const { dtype, shape, data } = array;
  const code = Number(Object.entries(IDX_DTYPES).find(([, d]) => d === dtype)![0]);
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new RangeError(`Expected \`data\` to have ${count} values for shape [${shape.join(', ')}], got ${data.length}.`);
  }
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + count * BYTES[dtype]);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const v = data[i]!;
    const o = header + i * BYTES[dtype];
    switch (dtype) {
      case 'uint8': view.setUint8(o, v); break;
      case 'int8': view.setInt8(o, v); break;
      case 'int16': view.setInt16(o, v, false); break;
      case 'int32': view.setInt32(o, v, false); break;
      case 'float32': view.setFloat32(o, v, false); break;
      case 'float64': view.setFloat64(o, v, false); break;
    }
  }
  return out;
}
