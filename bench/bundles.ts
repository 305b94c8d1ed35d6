// Size and cold module-init time of each Lambda's bundle, built the way the CDK construct builds
// it (esbuild, ESM, minified, node24, the AWS SDK bundled), beside a naive bundle of the same
// code in the same run: every handler in one unminified bundle, the "one function does it all"
// layout. Init is `import()` of the bundle in a fresh Node 24 process (what Lambda's INIT phase
// pays before the first event), median of RUNS, interleaved so a busy machine slows all alike.
// Targets: api <= 100 ms, the others <= 150 ms on this machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { percentile } from './stats';

const RUNS = Number(process.env.RUNS ?? 7);
const FUNCTIONS = {
  probe: { entry: 'functions/handlers/probe/index.ts', targetMs: 150 },
  rotation: { entry: 'functions/handlers/rotation/index.ts', targetMs: 150 },
  api: { entry: 'functions/handlers/api/index.ts', targetMs: 100 },
} as const;
type Name = keyof typeof FUNCTIONS;

// ioredis (CommonJS) calls require() for Node built-ins, which an ES module lacks.
const REQUIRE_SHIM =
  "import { createRequire as __rhaRequire } from 'node:module'; const require = __rhaRequire(import.meta.url);";
// What the handlers read at init; no AWS call is made while a module loads.
const LAMBDA_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  REDIS_HA_TABLE: 'bench',
  REDIS_HA_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:bench',
  REDIS_HA_INVENTORY: JSON.stringify({ clusters: [] }),
  POWERTOOLS_SERVICE_NAME: 'redis-ha',
  POWERTOOLS_METRICS_NAMESPACE: 'redis-ha',
};

async function bundle(
  entries: Record<string, string>,
  outdir: string,
  minify: boolean,
): Promise<Metafile> {
  const result = await build({
    entryPoints: entries,
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    minify,
    outExtension: { '.js': '.mjs' },
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_SHIM },
    metafile: true,
    logLevel: 'error',
  });
  return result.metafile;
}

/** Milliseconds to import `file` in a fresh Node process (the project's Node 24). */
function importMs(file: string): number {
  const url = new URL(`file://${resolve(file)}`).href;
  const script = `const t = performance.now(); await import(${JSON.stringify(url)}); console.log(performance.now() - t);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...LAMBDA_ENV },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`import of ${file} failed: ${child.stderr}`);
  return Number(child.stdout.trim());
}

/** Top-level packages in a bundle, largest first, in KB. */
function packages(metafile: Metafile, output: string): string {
  const inputs = metafile.outputs[output]?.inputs ?? {};
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const name = match?.[1] ?? '(project)';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)}`)
    .join(', ');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ha-bundles-'));
  try {
    const names = Object.keys(FUNCTIONS) as Name[];
    const entries = Object.fromEntries(names.map((n) => [n, FUNCTIONS[n].entry]));
    const small = await bundle(entries, join(dir, 'small'), true);
    // The naive layout: one module that loads every handler, unminified.
    const allInOne = join(dir, 'all.ts');
    writeFileSync(
      allInOne,
      names
        .map((n) => `export * as ${n} from ${JSON.stringify(resolve(FUNCTIONS[n].entry))};`)
        .join('\n'),
    );
    await bundle({ naive: allInOne }, join(dir, 'naive'), false);
    const files: Record<string, string> = {
      ...Object.fromEntries(names.map((n) => [n, join(dir, 'small', `${n}.mjs`)])),
      naive: join(dir, 'naive', 'naive.mjs'),
    };
    const samples: Record<string, number[]> = Object.fromEntries(
      Object.keys(files).map((k) => [k, []]),
    );
    for (let run = 0; run < RUNS; run += 1)
      for (const [key, file] of Object.entries(files)) samples[key]?.push(importMs(file));

    console.log(
      `bundles: ${RUNS} cold imports each, Node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)}`,
    );
    console.log('function   size KB   init p50 ms   target   largest packages (KB)');
    for (const [key, file] of Object.entries(files)) {
      const sizeKb = statSync(file).size / 1024;
      const p50 = percentile(samples[key] ?? [], 50);
      const target = key in FUNCTIONS ? FUNCTIONS[key as Name].targetMs : undefined;
      const verdict =
        target === undefined
          ? 'baseline'
          : p50 <= target
            ? `<= ${target} met`
            : `> ${target} MISSED`;
      const metaKey = Object.keys(small.outputs).find((o) => o.endsWith(`/${key}.mjs`));
      console.log(
        `${key.padEnd(10)} ${sizeKb.toFixed(0).padStart(7)}   ${p50.toFixed(0).padStart(11)}   ${verdict.padEnd(6)}   ${metaKey ? packages(small, metaKey) : '(every handler, unminified)'}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
