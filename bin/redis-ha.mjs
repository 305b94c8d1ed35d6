#!/usr/bin/env -S node --max-semi-space-size=16
// What `npx redis-ha` runs (package.json "bin"): checks the Node version, rebuilds the bundled
// CLI when it is missing or older than its sources, then runs dist/redis-ha.mjs. Plain
// JavaScript, so that an older Node gets a clear error rather than a SyntaxError; it must never
// transpile at start (that is what made every command take 3 s). Sources: bin/redis-ha.ts.
// --max-semi-space-size=16: see bin/redis-ha.ts. `npx` puts node_modules/.bin first on the
// PATH, so `node` here is the project's Node 24 (the "node" dev dependency).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildCli, nodeVersionProblem, OUT_FILE, staleReason } from '../scripts/build-cli.mjs';

// sysexits EX_UNAVAILABLE, as for a missing redis-server: a required program is missing.
const EXIT_UNAVAILABLE = 69;
const root = dirname(dirname(fileURLToPath(import.meta.url)));

const versionProblem = nodeVersionProblem(process.version, process.execPath);
if (versionProblem) {
  // Started by the machine's older Node (e.g. node_modules/.bin/redis-ha on a plain PATH): hand
  // over to the project's own Node when npm installed it, so the command still just works.
  const projectNode = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(projectNode) || process.env.REDIS_HA_REEXEC) {
    process.stderr.write(`redis-ha: ${versionProblem}\n`);
    process.exit(EXIT_UNAVAILABLE);
  }
  const child = spawn(
    projectNode,
    ['--max-semi-space-size=16', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, REDIS_HA_REEXEC: '1' } },
  );
  // A terminal's Ctrl-C reaches both processes: the child stops itself (watch prints one line
  // and exits 0), so this one only waits. A SIGTERM sent to this process alone is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) =>
    process.exit(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 1)),
  );
  await new Promise(() => undefined);
}

// Sources edited (or another branch checked out) since the build: rebuild rather than run
// code that no longer matches them. One line on stderr says why; stdout stays the command's.
const staleBecause = staleReason(root);
if (staleBecause) {
  process.stderr.write(`redis-ha: ${staleBecause}: building ${OUT_FILE}\n`);
  try {
    await buildCli(root);
  } catch (error) {
    process.stderr.write(`redis-ha: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT_UNAVAILABLE);
  }
}

// V8's code cache for the 1.5 MB bundle: compiling it is a third of the start-up time.
module.enableCompileCache?.(join(root, 'dist', '.compile-cache'));
await import(pathToFileURL(join(root, OUT_FILE)).href);
