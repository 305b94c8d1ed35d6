// What the API Lambda's bundle holds, read from esbuild's metafile: zod/mini but no classic zod
// (about 440 KB and 100 ms of init), and, in a split build, no AWS SDK or Idempotency code in
// what the cold start loads: the clients come in chunks on the first request that needs them.
import { resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { classicZodKb } from '../../bench/api-bundle';
import { coldStartOutputs, packagesIn } from '../support/bundle-metafile';

const ENTRY = resolve('functions/handlers/api/index.ts');
const OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  mainFields: ['module', 'main'] as string[],
  metafile: true,
  write: false,
  logLevel: 'error',
} as const;

describe('api: bundle', () => {
  it('holds zod/mini and no classic zod in the single-file build', async () => {
    const { metafile } = await build({ ...OPTIONS, entryPoints: [ENTRY], outfile: '/tmp/api.mjs' });

    // zod/mini's core re-exports the locales as a namespace: an empty 17-byte stub once
    // tree-shaken. Classic zod would be hundreds of KB.
    expect(classicZodKb(metafile as Metafile)).toBeLessThan(1);
    expect(packagesIn(metafile, Object.keys(metafile.outputs))).toContain('zod');
  });

  it('keeps the SDK and Idempotency out of the cold start of a split build', async () => {
    const { metafile } = await build({
      ...OPTIONS,
      entryPoints: { api: ENTRY },
      splitting: true,
      outdir: '/tmp/api-split',
      outExtension: { '.js': '.mjs' },
    });

    const cold = packagesIn(metafile, coldStartOutputs(metafile, 'api.mjs'));
    expect(cold).toContain('@middy/core');
    expect(cold).toContain('@aws-lambda-powertools/logger');
    expect([...cold].filter((name) => /^@aws-sdk\/|^@smithy\//.test(name))).toEqual([]);
    expect(cold).not.toContain('@aws-lambda-powertools/idempotency');
    expect(cold).not.toContain('@aws-lambda-powertools/jmespath');
    expect(classicZodKb(metafile)).toBe(0);
  });
});
