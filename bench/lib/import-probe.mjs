// Imports one module in this fresh process and prints one JSON line: the import's wall
// time (ms), the resident memory after it (MiB), and with --list the packages whose
// files were loaded (ES modules seen by a loader hook, CommonJS ones from the module
// cache). The hook slows the import down: time it without --list.
//
//   node import-probe.mjs <specifier|none> [--list]
//
// A bare specifier resolves from this file's folder (copy it into a project to probe
// that project's packages); a path or file: URL is taken as is.
import { createRequire, register } from 'node:module';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const [spec = 'none', flag] = process.argv.slice(2);
const list = flag === '--list';
const urls = new Set();
let port = null;
if (list) {
  const hooks = `let port; export async function initialize(d) { port = d.port; }
export async function load(url, context, next) { port.postMessage(url); return next(url, context); }`;
  const channel = new MessageChannel();
  port = channel.port1;
  port.on('message', (url) => urls.add(url));
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { port: channel.port2 }, transferList: [channel.port2] });
}

const target = isAbsolute(spec) ? pathToFileURL(spec).href : spec;
const t0 = performance.now();
if (spec !== 'none') await import(target);
const ms = performance.now() - t0;
const rssMiB = process.memoryUsage().rss / 2 ** 20;

const result = { spec, ms: Math.round(ms * 10) / 10, rssMiB: Math.round(rssMiB * 10) / 10 };
if (list) {
  await new Promise((resolve) => setTimeout(resolve, 100)); // let the last hook messages arrive
  port.close();
  for (const file of Object.keys(createRequire(import.meta.url).cache)) urls.add(pathToFileURL(file).href);
  const packages = new Map();
  for (const url of urls) {
    if (!url.startsWith('file:')) continue;
    const at = url.lastIndexOf('/node_modules/');
    const name = at < 0 ? '(outside node_modules)' : /^((?:@[^/]+\/)?[^/]+)/.exec(url.slice(at + '/node_modules/'.length))[1];
    packages.set(name, (packages.get(name) ?? 0) + 1);
  }
  result.files = [...packages.values()].reduce((a, b) => a + b, 0);
  result.packages = Object.fromEntries([...packages].sort(([a], [b]) => (a < b ? -1 : 1)));
}
console.log(JSON.stringify(result));
