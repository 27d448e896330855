#!/usr/bin/env node
/**
 * The `autolrs` command line. `autolrs train [options]`; `autolrs --help` for the options.
 */
import { pathToFileURL } from 'node:url';
import { CliError, parseCommandLine, USAGE } from './args.js';
import { train } from './train.js';

/** Runs the command line; returns the exit status (0 ok, 1 failure, 2 bad usage). */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`autolrs: ${err.message}\nRun \`autolrs train --help\` for the options.\n`);
      return 2;
    }
    throw err;
  }
  if (parsed.command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    await train(parsed.config, { out: (line) => console.log(line), tty: process.stdout.isTTY === true });
    return 0;
  } catch (err) {
    process.stderr.write(`autolrs: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
