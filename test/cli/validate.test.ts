// `redis-ha validate` and `redis-ha schema` as a user runs them: every inventory problem with
// its path and exit 65, TLS CA files checked on disk, the schema printed as the committed one.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { inventoryJsonSchema } from '../../functions/core/inventory-json-schema';
import { ExitCode } from '../../cli/exit-codes';
import { cli } from '../support/in-process-cli';
import { Harness } from '../support/topology';

const harness = new Harness();
afterAll(() => harness.cleanup());

const cluster = (overrides: Record<string, unknown> = {}) => ({
  name: 'sessions',
  sentinels: ['10.0.0.1:26379', '10.0.0.2:26379', '10.0.0.3:26379'],
  masterName: 'mymaster',
  passwordParameter: '/redis/sessions/password',
  ...overrides,
});

function inventoryFile(doc: unknown): string {
  const file = join(harness.tempDir(), 'redis-ha.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

describe('redis-ha validate', () => {
  it('says ok with the number of clusters', async () => {
    const file = inventoryFile({ clusters: [cluster(), cluster({ name: 'b' })] });

    const result = await cli(['validate', '-i', file]);

    expect(result).toEqual({ code: 0, stdout: `${file}: ok, 2 cluster(s)\n`, stderr: '' });
  });

  it('prints every problem with its path and exits 65', async () => {
    const file = inventoryFile({
      clusters: [
        cluster({
          sentinels: ['10.0.0.1:26379', '10.0.0.1:99999'],
          platformParameters: {
            '/tyk/redis/addrs': '{{host}:{{port}}',
            'aws/redis/url': '{{host}}',
            '/ok': '{{hots}}',
          },
        }),
      ],
    });

    const result = await cli(['validate', '-i', file]);

    expect(result.code).toBe(ExitCode.dataError);
    expect(result.stderr.split('\n')).toEqual(
      expect.arrayContaining([
        `redis-ha: inventory ${file} is invalid:`,
        '  clusters[0].sentinels[1]: "10.0.0.1:99999": port must be 1-65535',
        '  clusters[0].platformParameters["/tyk/redis/addrs"]: unbalanced placeholder at character 1 ("{{host}:{{port}}"): write {{name}}',
        '  clusters[0].platformParameters["aws/redis/url"]: "aws/redis/url": a name with / levels must start with / (Parameter Store)',
        expect.stringMatching(
          /^ {2}clusters\[0\]\.platformParameters\["\/ok"\]: unknown placeholder \{\{hots\}\}/,
        ),
      ]),
    );
  });

  it('refuses an inventory without clusters', async () => {
    const result = await cli(['validate', '-i', inventoryFile({ clusters: [] })]);

    expect(result.code).toBe(ExitCode.dataError);
    expect(result.stderr).toContain('  clusters: expected at least one cluster');
  });

  it('refuses a TLS CA file that does not exist, with its path in the inventory', async () => {
    const missing = join(harness.tempDir(), 'no-such-ca.pem');
    const file = inventoryFile({
      clusters: [cluster(), cluster({ name: 'tls', tls: { enabled: true, caFile: missing } })],
    });

    const result = await cli(['validate', '-i', file]);

    expect(result.code).toBe(ExitCode.dataError);
    expect(result.stderr).toContain(
      `  clusters[1].tls.caFile: ${JSON.stringify(missing)} not found`,
    );
  });

  it('accepts a TLS CA file that exists', async () => {
    const ca = join(harness.tempDir(), 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');

    const result = await cli([
      'validate',
      '-i',
      inventoryFile({ clusters: [cluster({ tls: { caFile: ca } })] }),
    ]);

    expect(result.code).toBe(0);
  });

  it('exits 66 when the inventory does not exist', async () => {
    const missing = join(harness.tempDir(), 'missing.yaml');

    const result = await cli(['validate', '-i', missing]);

    expect(result.code).toBe(ExitCode.noInput);
    expect(result.stderr).toContain(`inventory ${missing} not found`);
  });
});

describe('redis-ha schema', () => {
  it('prints the JSON Schema that is committed as inventory.schema.json', async () => {
    const result = await cli(['schema']);
    const printed = JSON.parse(result.stdout) as unknown;

    expect(result.code).toBe(0);
    expect(printed).toEqual(inventoryJsonSchema());
    expect(printed).toEqual(JSON.parse(readFileSync('inventory.schema.json', 'utf8')));
    expect(printed).toMatchObject({ properties: { clusters: { minItems: 1 } } });
  });
});
