// Size and cold start of the API Lambda's bundle, three ways, built with esbuild (ESM, node24,
// the AWS SDK bundled) and imported in fresh Node processes, interleaved so a busy machine slows
// all alike: `naive` (unminified, with the core inventory parser and so classic zod), `single`
// (one minified file, what NodejsFunction's --outfile builds), `split` (minified with
// --splitting: the SDK clients in chunks that the first request needing them loads).
// Prints the init (module import) and init + a first GET /clusters (which loads the DynamoDB
// client), wall and CPU, medians of RUNS. Run: npx tsx bench/api-bundle.ts
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';

const RUNS = Number(process.env.RUNS ?? 9);
const ENTRY = resolve('functions/handlers/api/index.ts');
const REQUIRE_SHIM =
  "import { createRequire as __rhaRequire } from 'node:module'; const require = __rhaRequire(import.meta.url);";
const COMMON: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: { js: REQUIRE_SHIM },
  metafile: true,
  logLevel: 'error',
};
const ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  STATE_TABLE_NAME: 'state',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:rotation',
  PROBE_FUNCTION_NAME: 'probe',
  REDIS_HA_INVENTORY: '{"clusters":[{"name":"alpha"}]}',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};
// One cold start: import the bundle, then answer GET /clusters (no network: the request stops
// at the first AWS call or the unwired state store, after loading the DynamoDB client).
const COLD_START = `
const c0 = process.cpuUsage(); const t0 = performance.now();
const { handler } = await import(process.argv[1]);
const t1 = performance.now(); const c1 = process.cpuUsage(c0);
const event = { version: '2.0', rawPath: '/clusters', headers: {}, requestContext: { requestId: 'r', stage: '$default', http: { method: 'GET' } } };
await handler(event, { functionName: 'api', awsRequestId: 'a', invokedFunctionArn: 'arn', memoryLimitInMB: '256', functionVersion: '1', getRemainingTimeInMillis: () => 10000 });
const t2 = performance.now(); const c2 = process.cpuUsage(c0);
const ms = (c) => (c.user + c.system) / 1000;
console.log(JSON.stringify([t1 - t0, t2 - t0, ms(c1), ms(c2)]));`;

/** KB of classic zod (not zod/mini; locales included) that reach any output file. */
export function classicZodKb(metafile: Metafile): number {
  let bytes = 0;
  for (const output of Object.values(metafile.outputs))
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs))
      if (/node_modules\/zod\/(v4\/classic|v4\/locales|v3)\//.test(path)) bytes += bytesInOutput;
  return bytes / 1024;
}

function sizeKb(metafile: Metafile, file: string): number {
  const key = Object.keys(metafile.outputs).find((o) => resolve(o) === resolve(file));
  const output = key ? metafile.outputs[key] : undefined;
  if (!output) return statSync(file).size / 1024;
  // The entry plus the chunks it imports statically: what the cold start loads.
  const seen = new Set<string>([key as string]);
  const queue = [output];
  let bytes = 0;
  while (queue.length) {
    const next = queue.pop();
    if (!next) break;
    bytes += next.bytes;
    for (const imported of next.imports)
      if (imported.kind === 'import-statement' && !imported.external && !seen.has(imported.path)) {
        seen.add(imported.path);
        const chunk = metafile.outputs[imported.path];
        if (chunk) queue.push(chunk);
      }
  }
  return bytes / 1024;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ha-api-bundle-'));
  try {
    const naiveEntry = join(dir, 'naive.ts');
    writeFileSync(
      naiveEntry,
      `export { handler } from ${JSON.stringify(ENTRY)};\nexport { parseInventory } from ${JSON.stringify(resolve('functions/core/inventory.ts'))};\n`,
    );
    const naive = await build({
      ...COMMON,
      entryPoints: [naiveEntry],
      outfile: join(dir, 'naive.mjs'),
    });
    const single = await build({
      ...COMMON,
      entryPoints: [ENTRY],
      minify: true,
      outfile: join(dir, 'single.mjs'),
    });
    const split = await build({
      ...COMMON,
      entryPoints: { api: ENTRY },
      minify: true,
      splitting: true,
      outdir: join(dir, 'split'),
      outExtension: { '.js': '.mjs' },
    });
    const bundles = {
      naive: { file: join(dir, 'naive.mjs'), metafile: naive.metafile as Metafile },
      single: { file: join(dir, 'single.mjs'), metafile: single.metafile as Metafile },
      split: { file: join(dir, 'split', 'api.mjs'), metafile: split.metafile as Metafile },
    };
    const samples = Object.fromEntries(Object.keys(bundles).map((k) => [k, [] as number[][]]));
    for (let run = 0; run < RUNS; run += 1)
      for (const [name, { file }] of Object.entries(bundles)) {
        const child = spawnSync(
          process.execPath,
          ['--input-type=module', '-e', COLD_START, new URL(`file://${file}`).href],
          { env: { ...process.env, ...ENV }, encoding: 'utf8' },
        );
        if (child.status !== 0) throw new Error(`${name}: ${child.stderr}`);
        samples[name]?.push(JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '[]') as number[]);
      }
    console.log(
      `api bundle: ${RUNS} cold starts each, Node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)}`,
    );
    console.log('bundle   init KB  classic zod KB   init ms (cpu)   init + GET /clusters ms (cpu)');
    for (const [name, { file, metafile }] of Object.entries(bundles)) {
      const runs = samples[name] ?? [];
      const col = (i: number) => median(runs.map((r) => r[i] ?? Number.NaN)).toFixed(0);
      console.log(
        `${name.padEnd(8)} ${sizeKb(metafile, file).toFixed(0).padStart(7)}  ${classicZodKb(metafile).toFixed(0).padStart(14)}   ${`${col(0)} (${col(2)})`.padStart(13)}   ${`${col(1)} (${col(3)})`.padStart(13)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve('bench/api-bundle.ts')) await main();
