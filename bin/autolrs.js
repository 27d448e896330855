#!/usr/bin/env node
// Runs the TypeScript command line (src/cli/main.ts) through tsx, so that
// `npx autolrs ...` works from a clone without a build step.
import { register } from 'tsx/esm/api';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

register();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { main } = await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
process.exitCode = await main(process.argv.slice(2));
