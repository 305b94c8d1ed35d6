// Runs the CLI in this process through `run(argv, io)`: fast, with its own environment
// (REDIS_HA_* from the test runner never leak in), captured output and an AbortSignal for
// long-running commands. Also a child-process runner that can drop to another user, for
// stores that must really be read-only (root ignores file modes).
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../cli/main';

export interface CliOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Ctrl-C. */
  readonly stop: () => void;
  readonly done: Promise<CliOutcome>;
}

/** process.env without any REDIS_HA_* variable, plus `env`. */
export function cleanEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('REDIS_HA_')),
  );
  return { ...base, ...env };
}

export function startCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): RunningCli {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  const done = run(
    args,
    {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      readStdin: () => Promise.resolve(options.input ?? ''),
      env: cleanEnv(options.env),
    },
    controller.signal,
  ).then((code) => ({ code, stdout, stderr }));
  return { stdout: () => stdout, stderr: () => stderr, stop: () => controller.abort(), done };
}

export function cli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliOutcome> {
  return startCli(args, options).done;
}

/** Waits until `condition` holds, polling; fails with `what` after the deadline. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  deadlineMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The CLI as a child process, optionally as another user (`uid`/`gid`, root only). */
export function cliAsUser(
  args: readonly string[],
  options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/redis-ha.ts', ...args], {
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
