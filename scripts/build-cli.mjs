// Builds the redis-ha CLI (bin/redis-ha.ts bundled by esbuild into dist/redis-ha.mjs, so a
// command starts without transpiling) and tells whether that build is still current.
// Plain JavaScript any Node can parse; esbuild is imported only to build, never to check.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** The CLI needs node:sqlite (the local store): Node.js 24 or later. */
export const MIN_NODE_MAJOR = 24;
/** The bundled CLI, relative to the project root. */
export const OUT_FILE = 'dist/redis-ha.mjs';
const ENTRY = 'bin/redis-ha.ts';
// Every project file the bundle was built from, with its mtime at build time.
const MANIFEST = 'dist/redis-ha.inputs.json';
// CommonJS dependencies (ioredis) call require() for Node built-ins, which an ES module lacks.
const REQUIRE_SHIM =
  "import { createRequire as __redisHaCreateRequire } from 'node:module';\n" +
  'const require = __redisHaCreateRequire(import.meta.url);';

/**
 * Why this Node cannot run the CLI, or undefined when it can.
 * @param {string} version `process.version`, e.g. "v20.20.2"
 * @param {string} execPath `process.execPath`
 * @returns {string | undefined}
 */
export function nodeVersionProblem(version, execPath) {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major >= MIN_NODE_MAJOR) return undefined;
  return (
    `needs Node.js ${MIN_NODE_MAJOR} or later (it uses node:sqlite), but ${execPath} is ` +
    `Node.js ${version}. Run it from the project folder as "npx redis-ha ..." or ` +
    `"npm run redis-ha -- ...": both use the project's own Node ${MIN_NODE_MAJOR} ` +
    '(the "node" dev dependency, installed by npm install).'
  );
}

/**
 * Why the build in `root` must be (re)made, or undefined when it is current: missing, or a
 * source file it was built from changed or disappeared since. Only stats files (~1 ms).
 * @param {string} root the project folder
 * @returns {string | undefined}
 */
export function staleReason(root) {
  /** @type {{ inputs: Record<string, number> }} */
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, MANIFEST), 'utf8'));
    statSync(join(root, OUT_FILE));
  } catch {
    return `${OUT_FILE} is not built yet`;
  }
  for (const [path, mtimeMs] of Object.entries(manifest.inputs)) {
    let current;
    try {
      current = statSync(join(root, path)).mtimeMs;
    } catch {
      return `${path} was removed since the last build`;
    }
    if (current !== mtimeMs) return `${path} changed since the last build`;
  }
  return undefined;
}

/**
 * Bundles the CLI into `root`/dist. Outputs are written to temporary files and renamed, so a
 * CLI started meanwhile (or a second build running at the same time) never reads half a file.
 * @param {string} root the project folder
 * @returns {Promise<{ bytes: number, durationMs: number }>}
 */
export async function buildCli(root) {
  const startedMs = Date.now();
  /** @type {typeof import('esbuild')} */
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new Error(
      `cannot build ${OUT_FILE}: esbuild is not installed (${error instanceof Error ? error.message : String(error)}). ` +
        'Run "npm install" in the project folder: it installs esbuild and builds the CLI.',
      { cause: error },
    );
  }
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { 'redis-ha': ENTRY },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    // What a command imports lazily (the AWS backend's SDK clients) waits in a chunk that only
    // `--backend aws` loads, so a local command parses none of it.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    // Dependencies are bundled too: measured by bench/startup.ts, resolving them from
    // node_modules at every start costs ~80 ms more than parsing one 1.5 MB file.
    platform: 'node',
    format: 'esm',
    target: `node${MIN_NODE_MAJOR}`,
    banner: { js: REQUIRE_SHIM },
    // Not minified: stack traces of an internal error stay readable; the map is only read
    // with --enable-source-maps.
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  mkdirSync(join(root, 'dist'), { recursive: true });
  let bytes = 0;
  // The map first and the bundle last: whoever sees the new bundle finds its map.
  const outputs = [...result.outputFiles].sort((a, b) => b.path.length - a.path.length);
  for (const file of outputs) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeAtomically(file.path, file.contents);
    if (file.path === join(root, OUT_FILE)) bytes = file.contents.length;
  }
  // Chunks of earlier builds are never loaded again: remove them.
  const written = new Set(outputs.map((file) => file.path));
  const chunks = join(root, 'dist', 'chunks');
  for (const name of existsSync(chunks) ? readdirSync(chunks) : [])
    if (!written.has(join(chunks, name))) rmSync(join(chunks, name), { force: true });
  const finishedMs = Date.now();
  /** @type {Record<string, number>} */
  const inputs = {};
  for (const path of Object.keys(result.metafile.inputs)) {
    // Dependencies change only through npm install or npm ci, which build again (prepare).
    if (/(^|\/)node_modules\//.test(path)) continue;
    const mtimeMs = statSync(join(root, path)).mtimeMs;
    // Edited while esbuild read it: record no time, so that the next run builds again. (A
    // time after the build is a clock-skewed file, not an edit: recorded as it is.)
    inputs[path] = mtimeMs >= startedMs && mtimeMs <= finishedMs ? -1 : mtimeMs;
  }
  writeAtomically(join(root, MANIFEST), JSON.stringify({ entry: ENTRY, inputs }, null, 2) + '\n');
  return { bytes, durationMs: finishedMs - startedMs };
}

/**
 * @param {string} path
 * @param {string | Uint8Array} contents
 */
function writeAtomically(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

// `node scripts/build-cli.mjs [--if-stale]`: npm's prepare step (npm install, npm ci), the
// test suite's global setup and `npm run build`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const isIfStale = process.argv.includes('--if-stale');
  if (!isIfStale || staleReason(root) !== undefined) {
    try {
      const { bytes, durationMs } = await buildCli(root);
      const where = relative(process.cwd(), join(root, OUT_FILE)) || OUT_FILE;
      process.stdout.write(
        `built ${where} (${(bytes / 1024 / 1024).toFixed(1)} MB) in ${durationMs} ms\n`,
      );
    } catch (error) {
      process.stderr.write(
        `build-cli: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    }
  }
}
