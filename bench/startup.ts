// Start-up time of the CLI a person types: wall time of `redis-ha status` and `redis-ha probe`
// on one real cluster, each command a fresh process, for the built CLI (through npx, through
// its launcher, and the bundle alone) beside the transpile-at-start way (tsx), same run,
// interleaved so that a busy machine slows every variant alike. Target: status p50 <= 300 ms.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topology } from '../sandbox/topology';
import { openLocalBackend } from '../functions/adapters/local/local-backend';
import { BENCH_PASSWORD, PASSWORD_PARAMETER } from './fixture';
import { percentile } from './stats';

const RUNS = Number(process.env.RUNS ?? 10);
const TARGET_STATUS_P50_MS = 300;

// Each variant is how one runs `redis-ha <args>`; process.execPath is the project's Node 24.
const VARIANTS: Readonly<Record<string, (args: readonly string[]) => [string, string[]]>> = {
  'npx redis-ha (built)': (args) => ['npx', ['--no-install', 'redis-ha', ...args]],
  'node bin/redis-ha.mjs (launcher)': (args) => [
    process.execPath,
    ['--max-semi-space-size=16', 'bin/redis-ha.mjs', ...args],
  ],
  'node dist/redis-ha.mjs (bundle)': (args) => [
    process.execPath,
    ['--max-semi-space-size=16', 'dist/redis-ha.mjs', ...args],
  ],
  'tsx bin/redis-ha.ts (before)': (args) => [
    'node_modules/.bin/tsx',
    ['--max-semi-space-size=16', 'bin/redis-ha.ts', ...args],
  ],
  // The floor: Node starting and exiting, which no CLI written for Node can beat.
  'node -e 0 (floor)': () => [process.execPath, ['-e', '0']],
};

interface Sample {
  readonly wallMs: number;
  /** User + system CPU time of the process and the processes it waited for. */
  readonly cpuMs: number;
}

// POSIX `times` prints the shell's children's CPU time (second line, "0m0.210s 0m0.050s"):
// unlike the wall time, it hardly grows when other work shares the cores.
const WITH_CPU_TIME = '"$@"; status=$?; times >&2; exit $status';

/** Runs one CLI process to its end; returns its wall and CPU time, or throws with its output. */
function timed(command: string, args: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('sh', ['-c', WITH_CPU_TIME, 'sh', command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const children = output.trimEnd().split('\n').at(-1) ?? '';
      const cpuMs = [...children.matchAll(/(\d+)m([\d.]+)s/g)]
        .map((m) => (Number(m[1]) * 60 + Number(m[2])) * 1000)
        .reduce((a, b) => a + b, 0);
      if (code === 0) resolve({ wallMs, cpuMs });
      else reject(new Error(`${command} ${args.join(' ')}: exit ${String(code)}\n${output}`));
    });
  });
}

execFileSync(process.execPath, ['scripts/build-cli.mjs', '--if-stale'], { stdio: 'inherit' });
const loadBefore = loadavg()[0]?.toFixed(1);
const topology = await Topology.start({ password: BENCH_PASSWORD, masterName: 'bench' });
const dir = mkdtempSync(join(tmpdir(), 'redis-ha-bench-startup-'));
try {
  const store = join(dir, 'store');
  const backend = openLocalBackend(store);
  await backend.parameters.put(PASSWORD_PARAMETER, BENCH_PASSWORD, { isSecure: true });
  backend.close();
  const inventory = join(dir, 'inventory.json');
  writeFileSync(
    inventory,
    JSON.stringify({
      clusters: [
        {
          name: 'bench',
          sentinels: topology.sentinelAddresses,
          masterName: topology.masterName,
          passwordParameter: PASSWORD_PARAMETER,
          platformParameters: { '/bench/addr': '{{host}}:{{port}}' },
        },
      ],
    }),
  );
  const commands: Record<string, string[]> = {
    status: ['status', '-i', inventory, '--store', store],
    probe: ['probe', '-i', inventory, '--store', store],
  };
  const samples = new Map<string, Sample[]>();
  // One untimed round first: the first probe commits the state that status then shows, and
  // every variant warms the page cache (and the launcher its V8 code cache).
  for (let round = -1; round < RUNS; round++) {
    for (const [commandName, args] of Object.entries(commands)) {
      for (const [variant, commandLine] of Object.entries(VARIANTS)) {
        const sample = await timed(...commandLine(args));
        if (round < 0) continue;
        const key = `${commandName}\t${variant}`;
        samples.set(key, [...(samples.get(key) ?? []), sample]);
      }
    }
  }
  console.log(`wall time per command, ${RUNS} runs each, one cluster (3 sentinels, 1 master),`);
  // Wall times grow with the machine's load: say what it was.
  console.log(
    `load average ${loadBefore} before, ${loadavg()[0]?.toFixed(1)} after (${cpus().length} cores):`,
  );
  const ms = (value: number) => `${value.toFixed(0).padStart(5)} ms`;
  for (const [key, values] of samples) {
    const [commandName, variant] = key.split('\t');
    const wall = values.map((v) => v.wallMs);
    const cpu = values.map((v) => v.cpuMs);
    console.log(
      `${(commandName ?? '').padEnd(7)} ${(variant ?? '').padEnd(34)} wall p50 ${ms(percentile(wall, 50))} p95 ${ms(percentile(wall, 95))}   cpu p50 ${ms(percentile(cpu, 50))}`,
    );
  }
  const status = samples.get('status\tnode bin/redis-ha.mjs (launcher)') ?? [];
  const statusP50 = percentile(
    status.map((v) => v.wallMs),
    50,
  );
  console.log(
    `target: status wall p50 <= ${TARGET_STATUS_P50_MS} ms (built CLI): ${statusP50 <= TARGET_STATUS_P50_MS ? 'MET' : 'MISSED'} (${statusP50.toFixed(0)} ms; cpu p50 ${percentile(
      status.map((v) => v.cpuMs),
      50,
    ).toFixed(0)} ms)`,
  );
} finally {
  await topology.stop();
  rmSync(dir, { recursive: true, force: true });
}
