// Size and cold module-init time of each Lambda's bundle, built the way the CDK construct builds
// it (esbuild, ESM, minified, node24, the AWS SDK bundled), beside a naive bundle of the same
// code in the same run: every handler in one unminified bundle, the "one function does it all"
// layout. Init is `import()` of the bundle in a fresh Node 24 process (what Lambda's INIT phase
// pays before the first event), median of RUNS, interleaved so a busy machine slows all alike.
// Targets: api <= 100 ms, the others <= 150 ms on this machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
    // As deployed (scripts/split-bundle.mjs): what a handler imports lazily waits in a chunk.
    splitting: minify,
    chunkNames: 'chunks/[name]-[hash]',
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

/** The entry file plus every chunk it can load, in KB: what the deployed zip holds. */
function bundleKb(metafile: Metafile): number {
  let bytes = 0;
  for (const [output, { bytes: size }] of Object.entries(metafile.outputs))
    if (output.endsWith('.mjs')) bytes += size;
  return bytes / 1024;
}

/** What the cold start loads: the entry and the chunks it imports statically, in KB. */
function initKb(metafile: Metafile, entry: string): number {
  const seen = new Set<string>();
  const visit = (output: string): void => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const imported of metafile.outputs[output]?.imports ?? [])
      if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit(entry);
  let bytes = 0;
  for (const output of seen) bytes += metafile.outputs[output]?.bytes ?? 0;
  return bytes / 1024;
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
    // Each function on its own, as NodejsFunction and scripts/split-bundle.mjs build it.
    const built: Record<string, { file: string; metafile: Metafile; entry: string }> = {};
    for (const name of names) {
      const out = join(dir, name);
      const metafile = await bundle({ index: FUNCTIONS[name].entry }, out, true);
      const entry = Object.keys(metafile.outputs).find((o) => o.endsWith('/index.mjs')) ?? '';
      built[name] = { file: join(out, 'index.mjs'), metafile, entry };
    }
    // The naive layout: one module that loads every handler, unminified, unsplit.
    const allInOne = join(dir, 'all.ts');
    writeFileSync(
      allInOne,
      names
        .map((n) => `export * as ${n} from ${JSON.stringify(resolve(FUNCTIONS[n].entry))};`)
        .join('\n'),
    );
    const naiveMeta = await bundle({ index: allInOne }, join(dir, 'naive'), false);
    const naiveEntry = Object.keys(naiveMeta.outputs).find((o) => o.endsWith('.mjs')) ?? '';
    built.naive = { file: join(dir, 'naive', 'index.mjs'), metafile: naiveMeta, entry: naiveEntry };

    const samples: Record<string, number[]> = Object.fromEntries(
      Object.keys(built).map((k) => [k, []]),
    );
    for (let run = 0; run < RUNS; run += 1)
      for (const [key, { file }] of Object.entries(built)) samples[key]?.push(importMs(file));

    console.log(
      `bundles: ${RUNS} cold imports each, Node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)}`,
    );
    console.log(
      'function   zip KB   loaded at init KB   init p50 ms   target         largest packages at init (KB)',
    );
    for (const [key, { metafile, entry }] of Object.entries(built)) {
      const p50 = percentile(samples[key] ?? [], 50);
      const target = key in FUNCTIONS ? FUNCTIONS[key as Name].targetMs : undefined;
      const verdict =
        target === undefined
          ? 'baseline'
          : p50 <= target
            ? `<= ${target} met`
            : `> ${target} MISSED`;
      console.log(
        `${key.padEnd(10)} ${bundleKb(metafile).toFixed(0).padStart(6)}   ${initKb(metafile, entry).toFixed(0).padStart(17)}   ${p50.toFixed(0).padStart(11)}   ${verdict.padEnd(13)}  ${key === 'naive' ? '(every handler, unminified, one file)' : packages(metafile, entry)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
