import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readIdx, parseIdx, encodeIdx, DatasetError } from '../../src/data/idx.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'autolrs-idx-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** 5 images of 4x4, pixel value = 16 * image + position, as raw IDX bytes written by hand. */
function tinyImages(): Uint8Array {
  const header = [0, 0, 0x08, 3, 0, 0, 0, 5, 0, 0, 0, 4, 0, 0, 0, 4];
  const pixels = Array.from({ length: 5 * 16 }, (_, i) => i);
  return Uint8Array.from([...header, ...pixels]);
}

describe('IDX reader', () => {
  it('parses a plain and a gzipped file made by hand', async () => {
    writeFileSync(join(dir, 'images-idx3-ubyte'), tinyImages());
    writeFileSync(join(dir, 'images-idx3-ubyte.gz'), gzipSync(tinyImages()));
    for (const name of ['images-idx3-ubyte', 'images-idx3-ubyte.gz']) {
      const a = await readIdx(join(dir, name));
      expect(a.dtype).toBe('uint8');
      expect(a.shape).toEqual([5, 4, 4]);
      expect(a.data).toBeInstanceOf(Uint8Array);
      expect(Array.from(a.data)).toEqual(Array.from({ length: 80 }, (_, i) => i));
    }
  });

  it('reads big-endian multi-byte values and round-trips encodeIdx', () => {
    // int32 [2] = [1, -2], big-endian.
    const bytes = Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe]);
    const a = parseIdx(bytes);
    expect(a.dtype).toBe('int32');
    expect(Array.from(a.data)).toEqual([1, -2]);
    expect(Array.from(encodeIdx(a))).toEqual(Array.from(bytes));
    const f = { dtype: 'float32' as const, shape: [2, 3], data: Float32Array.from([0.5, -1, 2, 3.25, 0, 7]) };
    const back = parseIdx(encodeIdx(f));
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(f.data));
  });

  it('rejects a bad magic number, naming the file', async () => {
    const bytes = tinyImages();
    bytes[0] = 0x1f;
    const file = join(dir, 'bad-magic-idx3-ubyte');
    writeFileSync(file, bytes);
    const err = await readIdx(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).file).toBe(file);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/bad magic number 0x1f00/);
  });

  it('rejects an unknown dtype byte', () => {
    const bytes = tinyImages();
    bytes[2] = 0x07;
    expect(() => parseIdx(bytes, 'x')).toThrow(/unknown dtype byte 0x07/);
  });

  it('rejects a truncated file and a size mismatch', async () => {
    const file = join(dir, 'truncated-idx3-ubyte.gz');
    writeFileSync(file, gzipSync(tinyImages().subarray(0, 50)));
    const err = await readIdx(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(/truncated: 50 bytes, 96 expected for uint8 \[5, 4, 4\]/);
    expect((err as Error).message).toContain(file);
    expect(() => parseIdx(tinyImages().subarray(0, 10), 'h')).toThrow(/truncated header/);
    const long = Uint8Array.from([...tinyImages(), 1, 2]);
    expect(() => parseIdx(long, 'l')).toThrow(/size mismatch: 98 bytes, 96 expected/);
  });

  it('rejects a corrupt gzip stream and a missing file', async () => {
    const file = join(dir, 'corrupt-idx3-ubyte.gz');
    const gz = gzipSync(tinyImages());
    writeFileSync(file, gz.subarray(0, gz.length - 12));
    const err = await readIdx(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(/^Corrupt gzip file .*corrupt-idx3-ubyte\.gz/);
    const missing = join(dir, 'nope.gz');
    const err2 = await readIdx(missing).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(DatasetError);
    expect((err2 as Error).message).toContain(`${missing}: file not found`);
  });
});
