// Reading esbuild's metafile the way the bundle tests need: which packages have code in a set of
// outputs, and which outputs a cold start evaluates (the entry and its static imports; what a
// handler loads with `import()` waits in chunks until the first request that needs it).
import type { Metafile } from 'esbuild';

/** Packages with code in `outputs` (bytes that reach the file), by name. */
export function packagesIn(metafile: Metafile, outputs: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const output of outputs)
    for (const [path, { bytesInOutput }] of Object.entries(metafile.outputs[output]?.inputs ?? {}))
      if (bytesInOutput > 0) {
        const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
        if (match?.[1]) names.add(match[1]);
      }
  return names;
}

/** Project files (outside node_modules) with code in `outputs`. */
export function projectFilesIn(metafile: Metafile, outputs: readonly string[]): Set<string> {
  const files = new Set<string>();
  for (const output of outputs)
    for (const [path, { bytesInOutput }] of Object.entries(metafile.outputs[output]?.inputs ?? {}))
      if (bytesInOutput > 0 && !path.includes('node_modules/')) files.add(path);
  return files;
}

/** The output whose name ends with `entryFile` and the chunks it imports statically. */
export function coldStartOutputs(metafile: Metafile, entryFile: string): string[] {
  const entry = Object.keys(metafile.outputs).find((o) => o.endsWith(`/${entryFile}`));
  const seen = new Set<string>(entry ? [entry] : []);
  const queue = [...seen];
  while (queue.length) {
    const next = queue.pop() as string;
    for (const imported of metafile.outputs[next]?.imports ?? [])
      if (imported.kind === 'import-statement' && !seen.has(imported.path)) {
        seen.add(imported.path);
        queue.push(imported.path);
      }
  }
  return [...seen];
}
