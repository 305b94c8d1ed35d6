// The CLI users run is the built one (dist/redis-ha.mjs, made by npm install's prepare step)
// behind the launcher bin/redis-ha.mjs: it must run on the project's Node 24 through npx, build
// itself when the build is missing or older than the sources, and refuse an older Node clearly.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIN_NODE_MAJOR, nodeVersionProblem } from '../../scripts/build-cli.mjs';
import type { CliRun } from '../support/topology';

function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? process.cwd(),
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the installed redis-ha command', () => {
  it('runs through npx on the project Node even when the shell PATH has no node_modules/.bin', async () => {
    // A user's shell: npm scripts and vitest put node_modules/.bin (Node 24) first; a shell
    // does not, so `node` there may be an older one. npx must still pick the project's.
    const shellPath = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => !dir.includes('node_modules'))
      .join(delimiter);
    const env = { ...process.env, PATH: shellPath };

    const help = await run('npx', ['--no-install', 'redis-ha', '--help'], { env });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: redis-ha <command>/);
    // The launcher refuses Node < 24 with exit 69, so exit 0 also says which Node ran it.
    expect(help.stderr).toBe('');

    const schema = await run('npx', ['--no-install', 'redis-ha', 'schema'], { env });
    expect(schema.code, schema.stderr).toBe(0);
    expect(JSON.parse(schema.stdout)).toHaveProperty('properties.clusters');
  });

  it('runs when a shell starts the launcher itself, whatever Node that shell finds first', async () => {
    // `alias redis-ha=$PWD/bin/redis-ha.mjs`: its shebang finds the machine's `node`, which may
    // be older than 24; the launcher then hands over to the project's Node 24.
    const shellPath = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => !dir.includes('node_modules'))
      .join(delimiter);
    const schema = await run(resolve('bin/redis-ha.mjs'), ['schema'], {
      env: { ...process.env, PATH: shellPath },
    });
    expect(schema.code, schema.stderr).toBe(0);
    expect(schema.stderr).toBe('');
    expect(JSON.parse(schema.stdout)).toHaveProperty('properties.clusters');
  });

  it('builds itself on first run when the build is missing, says so, then runs silently', async () => {
    const checkout = copyOfTheSources();
    const launcher = join(checkout, 'bin/redis-ha.mjs');

    const first = await run(process.execPath, [launcher, '--help']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe(
      'redis-ha: dist/redis-ha.mjs is not built yet: building dist/redis-ha.mjs\n',
    );
    expect(first.stdout).toMatch(/^Usage: redis-ha <command>/);
    expect(existsSync(join(checkout, 'dist/redis-ha.mjs'))).toBe(true);

    const second = await run(process.execPath, [launcher, '--help']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toBe('');
    expect(second.stdout).toBe(first.stdout);
  });

  it('builds again when a source file changed since the build', async () => {
    const checkout = copyOfTheSources();
    const launcher = join(checkout, 'bin/redis-ha.mjs');
    const built = await run(process.execPath, [launcher, '--help']);
    expect(built.code, built.stderr).toBe(0);

    // As an editor saving the file or a git checkout would: a new modification time (here in
    // the future, as a file from a machine whose clock is ahead: rebuilt once, not each run).
    // Far enough ahead that it cannot fall inside the build itself, which a loaded machine can
    // stretch past several seconds (a time inside the build reads as an edit during it).
    const later = new Date(Date.now() + 10 * 60_000);
    utimesSync(join(checkout, 'cli/main.ts'), later, later);
    const rebuilt = await run(process.execPath, [launcher, '--help']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stderr).toBe(
      'redis-ha: cli/main.ts changed since the last build: building dist/redis-ha.mjs\n',
    );

    const again = await run(process.execPath, [launcher, '--help']);
    expect(again.stderr).toBe('');
  });

  it('tells a user on an older Node which Node it needs and how to run it', () => {
    expect(nodeVersionProblem(`v${MIN_NODE_MAJOR}.0.0`, '/usr/bin/node')).toBeUndefined();
    expect(nodeVersionProblem('v26.1.0', '/usr/bin/node')).toBeUndefined();
    const problem = nodeVersionProblem('v20.20.2', '/usr/bin/node');
    expect(problem).toContain('needs Node.js 24 or later (it uses node:sqlite)');
    expect(problem).toContain('/usr/bin/node is Node.js v20.20.2');
    expect(problem).toContain('npx redis-ha');
  });
});

/** This checkout in a temp folder, unbuilt, sharing its node_modules. */
function copyOfTheSources(): string {
  const root = resolve('.');
  const checkout = mkdtempSync(join(tmpdir(), 'redis-ha-build-'));
  dirs.push(checkout);
  const notCopied = new Set(['node_modules', 'dist', '.git', '.redis-ha', 'cdk.out', 'coverage']);
  cpSync(root, checkout, {
    recursive: true,
    filter: (source) =>
      source === root || !notCopied.has(relative(root, source).split(sep)[0] ?? ''),
  });
  symlinkSync(join(root, 'node_modules'), join(checkout, 'node_modules'));
  return checkout;
}
