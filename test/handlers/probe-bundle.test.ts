// The probe Lambda's bundle, built as the CDK construct builds it (esbuild, ESM, minified,
// node24, the SDK bundled), holds only what the function calls: the SSM, SNS and DynamoDB
// clients, ioredis, Powertools Logger and Metrics and middy; never classic zod or yaml (the
// inventory arrives validated), nor another service's client.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

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

describe('probe bundle', () => {
  it('holds only the clients and libraries the probe function calls', async () => {
    const { metafile } = await build({
      entryPoints: ['functions/handlers/probe/index.ts'],
      bundle: true,
      write: false,
      outfile: 'probe.mjs',
      format: 'esm',
      platform: 'node',
      target: 'node24',
      minify: true,
      mainFields: ['module', 'main'],
      metafile: true,
      logLevel: 'error',
    });
    // What ended up in the output (modules tree-shaken to nothing do not count).
    const output = Object.values(metafile.outputs)[0]?.inputs ?? {};
    const inputs = Object.keys(output).filter((path) => (output[path]?.bytesInOutput ?? 0) > 0);
    const packages = new Set(
      inputs.flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? []),
    );

    expect([...packages].filter((name) => !ALLOWED.some((allowed) => allowed.test(name)))).toEqual(
      [],
    );
    for (const needed of [
      '@aws-sdk/client-ssm',
      '@aws-sdk/client-sns',
      '@aws-sdk/client-dynamodb',
      'ioredis',
    ])
      expect(packages).toContain(needed);
    expect(inputs.filter((path) => /zod\/v4\/(classic|locales)\//.test(path))).toEqual([]);
    expect(inputs.filter((path) => /functions\/core\/inventory\.ts$/.test(path))).toEqual([]);
  });
});
