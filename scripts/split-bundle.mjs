// Rebuilds a Lambda bundle with code splitting, after NodejsFunction's own build (its
// `afterBundling` hook): NodejsFunction always passes esbuild `--outfile`, which cannot split,
// so a handler's dynamic `import()`s (clients loaded on the first request that needs them) would
// still be parsed at every cold start. Same options as lib/control-plane-functions.ts BUNDLING,
// plus `splitting`: index.mjs loads its static imports; the rest waits in chunks/.
// Usage: node scripts/split-bundle.mjs <entry.ts> <outputDir> <banner>
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { build } from 'esbuild';

const [entry, outputDir, banner] = process.argv.slice(2);
if (!entry || !outputDir || banner === undefined) {
  process.stderr.write('usage: node scripts/split-bundle.mjs <entry.ts> <outputDir> <banner>\n');
  process.exit(64);
}
rmSync(join(outputDir, 'index.mjs'), { force: true });
const result = await build({
  entryPoints: { index: entry },
  outdir: outputDir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  mainFields: ['module', 'main'],
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: banner },
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(join(outputDir, 'index.meta.json'), JSON.stringify(result.metafile));
