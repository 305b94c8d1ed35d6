#!/usr/bin/env -S npx tsx --max-semi-space-size=16
// The redis-ha CLI entry point: wires process I/O and signals to cli/main.ts.
// --max-semi-space-size=16: on a big machine Node sizes the young generation by total memory,
// and probing many clusters then holds ~100 MB more RSS than needed (bench/many-clusters.ts).
import { text } from 'node:stream/consumers';
import { run } from '../cli/main';

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());

const exitCode = await run(
  process.argv.slice(2),
  {
    stdout: (chunk) => process.stdout.write(chunk),
    stderr: (chunk) => process.stderr.write(chunk),
    readStdin: () => text(process.stdin),
    env: process.env,
  },
  controller.signal,
);
process.exitCode = exitCode;
