// The CDK app synthesizes the example inventory through the pinned CDK CLI, offline: no
// lookups, no Docker (the local esbuild bundles the three Lambdas), cdk-nag included.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_INVENTORY } from './control-plane-fixture';

describe('CDK app', () => {
  it('synthesizes the example inventory through `cdk synth` without reaching AWS', () => {
    const out = mkdtempSync(join(tmpdir(), 'redis-ha-cdk-'));
    try {
      const result = spawnSync(
        'npx',
        [
          'cdk',
          'synth',
          '--no-lookups',
          '--no-notices',
          '--quiet',
          '-c',
          `inventory=${EXAMPLE_INVENTORY}`,
          '-o',
          out,
        ],
        {
          encoding: 'utf8',
          env: {
            ...process.env,
            AWS_REGION: 'eu-west-1',
            CDK_DISABLE_CLI_TELEMETRY: 'true',
            CDK_DISABLE_VERSION_CHECK: 'true',
          },
        },
      );
      expect(result.status, result.stderr).toBe(0);

      const template = JSON.parse(readFileSync(join(out, 'RedisHa.template.json'), 'utf8'));
      const functions = Object.values(
        template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
      ).filter((r) => r.Type === 'AWS::Lambda::Function');
      expect(functions).toHaveLength(3);
      for (const fn of functions) {
        expect(fn.Properties.Runtime).toBe('nodejs24.x');
        // Each bundle is one ESM file with its esbuild metafile beside it.
        const { S3Key } = fn.Properties.Code as { S3Key: string };
        const asset = join(out, `asset.${S3Key.replace(/\.zip$/, '')}`);
        expect(existsSync(join(asset, 'index.mjs')), asset).toBe(true);
        expect(existsSync(join(asset, 'index.meta.json')), asset).toBe(true);
        expect(readFileSync(join(asset, 'index.mjs'), 'utf8')).toContain('createRequire');
      }
      // The api's bundle is split: the clients it imports lazily wait in chunks that the cold
      // start does not load (scripts/split-bundle.mjs).
      const api = functions.find((fn) => String(fn.Properties.Description).includes('HTTP API'));
      const { S3Key } = api?.Properties.Code as { S3Key: string };
      const meta = JSON.parse(
        readFileSync(join(out, `asset.${S3Key.replace(/\.zip$/, '')}`, 'index.meta.json'), 'utf8'),
      ) as { outputs: Record<string, { imports: { kind: string }[] }> };
      const entry = Object.entries(meta.outputs).find(([file]) => file.endsWith('index.mjs'));
      expect(entry?.[1].imports.some((i) => i.kind === 'dynamic-import')).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    // About 15 s alone; several times that when the shared 2-core machine is loaded.
  }, 180_000);
});
