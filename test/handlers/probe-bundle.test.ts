// The probe Lambda's bundle, built exactly as the CDK construct builds it (scripts/split-bundle.mjs
// with lib/control-plane-functions.ts's banner: ESM, minified, node24, the SDK bundled, split),
// holds only what the function calls: the SSM, SNS and DynamoDB clients, ioredis, Powertools
// Logger and Metrics and middy; the ElastiCache client only in a chunk that the first ElastiCache
// call loads (a deployment without an `elasticache` cluster never evaluates it); never classic zod
// or yaml (the inventory arrives validated), nor another service's client.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionEntry, REQUIRE_SHIM_BANNER } from '../../lib/control-plane-functions';
import { coldStartOutputs, packagesIn, projectFilesIn } from '../support/bundle-metafile';

const ALLOWED = [
  /^@aws-sdk\/(client-ssm|client-sns|client-dynamodb|lib-dynamodb|util-dynamodb|dynamodb-codec|endpoint-cache|middleware-endpoint-discovery)$/,
  // The SDK's shared core, signer and default credential chain.
  /^@aws-sdk\/(core|nested-clients|credential-provider-[a-z-]+|token-providers|signature-v4-multi-region|xml-builder)$/,
  /^@smithy\//,
  /^@aws\/lambda-invoke-store$/,
  /^(ioredis|@ioredis\/commands|denque|redis-parser|redis-errors|cluster-key-slot|standard-as-callback|debug|ms|supports-color|has-flag)$/,
  /^@aws-lambda-powertools\/(logger|metrics|commons)$/,
  /^@middy\/core$/,
  // zod/mini: the rotation records the state store validates (not classic zod; checked below).
  /^zod$/,
  /^(mnemonist|obliterator)$/,
];
/**
 * Only in chunks a cold start does not evaluate: the ElastiCache client (first ElastiCache call)
 * and bowser (the SDK's browser user-agent parser, behind a dynamic import Node never takes).
 */
const LAZY_ONLY = ['@aws-sdk/client-elasticache', 'bowser'];

let dir: string;
let metafile: Metafile;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'redis-ha-probe-bundle-'));
  execFileSync(
    process.execPath,
    ['scripts/split-bundle.mjs', functionEntry('probe'), dir, REQUIRE_SHIM_BANNER],
    { stdio: 'pipe' },
  );
  metafile = JSON.parse(readFileSync(join(dir, 'index.meta.json'), 'utf8')) as Metafile;
}, 60_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('probe bundle (as deployed)', () => {
  it('holds only the clients and libraries the probe function calls', () => {
    const packages = packagesIn(metafile, Object.keys(metafile.outputs));

    expect(
      [...packages].filter(
        (name) => !LAZY_ONLY.includes(name) && !ALLOWED.some((allowed) => allowed.test(name)),
      ),
    ).toEqual([]);
    for (const needed of [
      '@aws-sdk/client-ssm',
      '@aws-sdk/client-sns',
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-elasticache',
      'ioredis',
    ])
      expect(packages).toContain(needed);
  });

  it('loads the ElastiCache client on first use, not at the cold start', () => {
    const cold = coldStartOutputs(metafile, 'index.mjs');
    const coldPackages = packagesIn(metafile, cold);

    expect(coldPackages).toContain('@aws-sdk/client-ssm');
    expect([...coldPackages].filter((name) => LAZY_ONLY.includes(name))).toEqual([]);
    expect(
      [...projectFilesIn(metafile, cold)].filter((path) => path.endsWith('elasticache-api.ts')),
    ).toEqual([]);
  });

  it('never holds classic zod, yaml or the inventory schema', () => {
    const everything = Object.keys(metafile.outputs);
    const inputs = [...projectFilesIn(metafile, everything)];
    const zodFiles = Object.values(metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(
          ([path, { bytesInOutput }]) =>
            bytesInOutput > 0 && /zod\/v4\/(classic|locales)\//.test(path),
        )
        .map(([path]) => path),
    );

    expect(packagesIn(metafile, everything)).not.toContain('yaml');
    expect(zodFiles).toEqual([]);
    expect(inputs.filter((path) => /functions\/core\/inventory\.ts$/.test(path))).toEqual([]);
  });
});
