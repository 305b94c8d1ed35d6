#!/usr/bin/env -S npx tsx
// The redis-ha CLI entry point: wires process I/O and signals to cli/main.ts.
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
