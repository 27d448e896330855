/**
 * Writes Fashion-MNIST IDX files small enough to travel in a device kit: the images a
 * benchmark run does not use (outside the seed-0 training subset, validation split and
 * test subset of the given sizes) are zeroed, so the gzipped files shrink, while the
 * files keep their 60,000 / 10,000 images and every used image sits at its index.
 * Benchmarks that read such files (from `DEVICE_KIT_DATA`) normalize with the standard
 * Fashion-MNIST constants, since statistics over the zeroed images would be off.
 *
 *   npx tsx bench/device-data.ts --train-size 25000 --val-size 5000 --test-size 10000 --out .scratch-data
 *   bash ../shared/device/pack.sh bench/schedules.ts .scratch-data/*.gz
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { FASHION_MNIST_DEFAULT_DIR, FASHION_MNIST_FILES, loadFashionMnist } from '../src/data/fashion-mnist.js';
import { encodeIdx, readIdx } from '../src/data/idx.js';

/** Marker file beside the masked IDX files. */
export const MASKED_MARKER = 'MASKED';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = { trainSize: 25000, valSize: 5000, testSize: 10000, out: '.scratch-data' };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1];
    const n = Number(v);
    switch (argv[i]) {
      case '--train-size':
        o.trainSize = n;
        break;
      case '--val-size':
        o.valSize = n;
        break;
      case '--test-size':
        o.testSize = n;
        break;
      case '--out':
        o.out = v ?? o.out;
        break;
      default:
        throw new TypeError(`Expected one of --train-size, --val-size, --test-size, --out, got ${JSON.stringify(argv[i])}.`);
    }
  }
  const dir = process.env['FASHION_MNIST_DIR'] ?? FASHION_MNIST_DEFAULT_DIR;
  const data = await loadFashionMnist({ trainSize: o.trainSize, validationSize: o.valSize, testSize: o.testSize, seed: 0 });
  const keepTrain = new Set([...data.train.indices, ...(data.validation?.indices ?? [])]);
  const keepTest = new Set(data.test.indices);
  data.dispose();
  fs.mkdirSync(o.out, { recursive: true });
  const f = FASHION_MNIST_FILES;
  for (const [name, keep] of [
    [f.trainImages, keepTrain],
    [f.testImages, keepTest],
  ] as const) {
    const idx = await readIdx(path.join(dir, name));
    const images = idx.data as Uint8Array;
    const per = 28 * 28;
    for (let i = 0; i < idx.shape[0]!; i++) if (!keep.has(i)) images.fill(0, i * per, (i + 1) * per);
    fs.writeFileSync(path.join(o.out, name), zlib.gzipSync(encodeIdx(idx), { level: 9 }));
  }
  for (const name of [f.trainLabels, f.testLabels]) fs.copyFileSync(path.join(dir, name), path.join(o.out, name));
  fs.writeFileSync(path.join(o.out, MASKED_MARKER), `${JSON.stringify(o)}\n`);
  for (const name of fs.readdirSync(o.out)) process.stderr.write(`${path.join(o.out, name)}: ${(fs.statSync(path.join(o.out, name)).size / 2 ** 20).toFixed(1)} MiB\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`device-data: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
