// The one harness every integration test uses: real redis-server and sentinel processes on
// free loopback ports, a local backend in a temp folder, and helpers to run the CLI. Everything
// it starts is stopped in afterEach/afterAll, even when a test fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { JsonLogger } from '../../functions/adapters/local/json-logger';
import { openLocalBackend, type LocalBackend } from '../../functions/adapters/local/local-backend';
import type { Inventory, SentinelCluster } from '../../functions/core/inventory';
import { reconcileCluster, type ControlDeps } from '../../functions/control/reconcile';
import { localControlDeps } from '../../functions/wiring/local';
import { clusterEntryFor, inventoryOrThrow, type TopologyLike } from '../../sandbox/inventory';
import { Topology, type TopologyOptions } from '../../sandbox/topology';

export { Topology, type TopologyLike };

export const PASSWORD = 'Test-Pw-9f8e7d6c5b4a3f2e1d0c';

/**
 * The longest `Topology.start` (sandbox/topology.ts) waits before it gives up: 15 s for the data
 * nodes to answer, 15 s for the replicas to attach, 15 s for the sentinels to answer, 30 s for
 * them to discover each other. A test whose own waits add up past the 60 s default timeout
 * (vitest.config.ts) sets its timeout to this plus its waits, so that a slow step fails with
 * its own "timed out waiting for ..." rather than a bare test timeout.
 */
export const TOPOLOGY_START_MAX_MS = 75_000;

/**
 * connectMs and commandMs of every test cluster. 1 s, not less: on a busy 2-core machine a
 * healthy sentinel may take more than 500 ms to answer, which would add a spurious
 * SENTINEL_UNREACHABLE to tests that assert an exact list of reasons.
 */
export const CLUSTER_TIMEOUT_MS = 1000;

/** Room, in a test's timeout, for the steps that have no deadline of their own (probes, kills). */
export const UNTIMED_STEPS_MS = 15_000;
export const PASSWORD_PARAMETER = '/test/redis/password';
export const PLATFORM_PARAMETERS = {
  '/test/app/addr': '{{host}}:{{port}}',
  '/test/app/url': 'redis://:{{password}}@{{host}}:{{port}}',
  '/test/app/sentinels': '{{sentinels}}|{{masterName}}|{{tls}}',
};

/** Tracks what a test started so that `cleanup` can stop all of it. */
export class Harness {
  private readonly topologies: Topology[] = [];
  private readonly dirs: string[] = [];
  private readonly backends: LocalBackend[] = [];

  async topology(options: Partial<TopologyOptions> = {}): Promise<Topology> {
    const topology = await Topology.start({ password: PASSWORD, ...options });
    this.topologies.push(topology);
    return topology;
  }

  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'redis-ha-test-'));
    this.dirs.push(dir);
    return dir;
  }

  backend(dir = this.tempDir()): LocalBackend {
    const backend = openLocalBackend(join(dir, 'store'));
    this.backends.push(backend);
    return backend;
  }

  /**
   * A local backend holding the test password, the topology's cluster, and its first probe
   * committed (the master confirmed): the starting point of most rotation tests.
   */
  async primed(
    topology: Topology,
    overrides: Record<string, unknown> = {},
  ): Promise<{ backend: LocalBackend; cluster: SentinelCluster }> {
    const backend = this.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const cluster = clusterFor(topology, overrides);
    await reconcileCluster(cluster, controlDepsFor(backend));
    return { backend, cluster };
  }

  async cleanup(): Promise<void> {
    for (const backend of this.backends.splice(0)) backend.close();
    await Promise.all(this.topologies.splice(0).map((t) => t.stop()));
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

export function inventoryFor(
  topology: TopologyLike,
  overrides: Record<string, unknown> = {},
  name = 'test',
): Inventory {
  return inventoryOrThrow({
    clusters: [
      clusterEntryFor(topology, {
        name,
        passwordParameter: PASSWORD_PARAMETER,
        platformParameters: PLATFORM_PARAMETERS,
        overrides: {
          timeouts: { connectMs: CLUSTER_TIMEOUT_MS, commandMs: CLUSTER_TIMEOUT_MS },
          ...overrides,
        },
      }),
    ],
  });
}

export function clusterFor(
  topology: TopologyLike,
  overrides: Record<string, unknown> = {},
): SentinelCluster {
  return inventoryFor(topology, overrides).clusters[0] as SentinelCluster;
}

/** Writes the inventory as YAML in `dir` and returns its path. */
export function writeInventory(
  dir: string,
  inventory: Inventory | Record<string, unknown>,
): string {
  const file = join(dir, 'redis-ha.yaml');
  writeFileSync(file, stringify(inventory));
  return file;
}

export interface LogCapture {
  readonly lines: string[];
  readonly text: () => string;
}

export function controlDepsFor(
  backend: LocalBackend,
  overrides: Partial<ControlDeps> = {},
): ControlDeps & { log: LogCapture } {
  const lines: string[] = [];
  return {
    ...localControlDeps(backend, {
      logger: new JsonLogger((line) => lines.push(line)),
      source: 'urn:redis-ha:test',
    }),
    ...overrides,
    log: { lines, text: () => lines.join('') },
  };
}

export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until a majority of sentinels name a master other than `oldPort` and it answers as master. */
export async function waitForFailover(
  topology: Topology,
  oldPort: number,
  passwords?: () => Promise<string[]>,
): Promise<number> {
  return eventually(
    async () => {
      const port = await topology.currentMasterPort(passwords ? await passwords() : undefined);
      if (!port || port === oldPort) return undefined;
      let agreeing = 0;
      for (const sentinel of topology.sentinels) {
        if (!sentinel.child) continue;
        const addr = (await topology
          .call(
            sentinel.port,
            'sentinel',
            'SENTINEL',
            'GET-MASTER-ADDR-BY-NAME',
            topology.masterName,
          )
          .catch(() => null)) as string[] | null;
        if (addr && Number(addr[1]) === port) agreeing += 1;
      }
      return agreeing >= 2 ? port : undefined;
    },
    'the sentinels to fail over',
    30_000,
  );
}

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Pid of the CLI process (by `runCli`); with `ownProcessGroup`, also its process group. */
  readonly pid?: number | undefined;
}

// The built CLI through the launcher users run (`npx redis-ha`: bin/redis-ha.mjs), with its
// shebang's flag, on this Node 24; vitest's global setup has built it.
const CLI_ARGS: readonly string[] = ['--max-semi-space-size=16', 'bin/redis-ha.mjs'];

/** Starts the real CLI as a long-running child process (`watch`); stop it with `stop()`. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, CLI_ARGS.concat(args), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<CliRun>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    output: () => ({ stdout, stderr }),
    /** Sends SIGINT (Ctrl-C) and waits for the process to end. */
    stop: () => {
      child.kill('SIGINT');
      return closed;
    },
  };
}

/** Runs the real CLI (built, `bin/redis-ha.mjs`) as a child process, as a user would. */
export function runCli(
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv;
    input?: string;
    /**
     * Start the CLI as the leader of its own process group (group id = its pid), so that a
     * test can list what it left behind with `processesInGroup`.
     */
    ownProcessGroup?: boolean;
  } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, CLI_ARGS.concat(args), {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: options.ownProcessGroup ?? false,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, pid: child.pid }));
    child.stdin.end(options.input ?? '');
  });
}
