#!/usr/bin/env node
// tsyringe needs the Reflect metadata API before anything imports it.
import 'reflect-metadata';
import { main } from './main.js';

// The first SIGINT or SIGTERM asks a run to finish its step and checkpoint;
// a second one ends the process at once (the last checkpoint stays whole).
const controller = new AbortController();
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) process.exit(code);
    process.stderr.write(`\nprefopt: ${signal}: finishing the step and writing a checkpoint\n`);
    controller.abort(signal);
  });
}

process.exitCode = await main(process.argv.slice(2), process, { signal: controller.signal });
