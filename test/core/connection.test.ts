import { describe, expect, it } from 'vitest';
import { dataConnection, sentinelConnection } from '../../functions/core/connection';
import { parseInventory, type SentinelCluster } from '../../functions/core/inventory';
import { parametersDigest, templateValues } from '../../functions/core/template-values';

function cluster(fields: Record<string, unknown> = {}): SentinelCluster {
  const result = parseInventory(
    JSON.stringify({
      clusters: [
        {
          name: 'orders',
          kind: 'sentinel',
          masterName: 'mymaster',
          sentinels: ['10.0.0.1:26379', '10.0.0.2:26379'],
          passwordParameter: '/orders/redis/password',
          timeouts: { connectMs: 700, commandMs: 900 },
          ...fields,
        },
      ],
    }),
  );
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.inventory.clusters[0] as SentinelCluster;
}

describe('connection options', () => {
  it.each<[string, Record<string, unknown>, string | undefined, object, object]>([
    [
      'a plain cluster',
      {},
      'pw',
      { connectTimeoutMs: 700, commandTimeoutMs: 900, password: 'pw', commandRenames: {} },
      { connectTimeoutMs: 700, commandTimeoutMs: 900, password: 'pw' },
    ],
    [
      'no password stored',
      {},
      undefined,
      { connectTimeoutMs: 700, commandTimeoutMs: 900, commandRenames: {} },
      { connectTimeoutMs: 700, commandTimeoutMs: 900 },
    ],
    [
      'users, renames and TLS',
      {
        username: 'app',
        sentinelUsername: 'watcher',
        sentinelPasswordParameter: '/orders/sentinel/password',
        commandRenames: { CONFIG: 'RP_CONFIG' },
        tls: { enabled: true, caFile: '/etc/ca.pem', servername: 'redis.internal' },
      },
      'pw',
      {
        username: 'app',
        password: 'pw',
        commandRenames: { CONFIG: 'RP_CONFIG' },
        tls: { rejectUnauthorized: true, caFile: '/etc/ca.pem', servername: 'redis.internal' },
      },
      {
        username: 'watcher',
        password: 'pw',
        tls: { rejectUnauthorized: true, caFile: '/etc/ca.pem', servername: 'redis.internal' },
      },
    ],
  ])('for %s: data nodes and sentinels', (_name, fields, password, data, sentinel) => {
    const c = cluster(fields);

    expect(dataConnection(c, password)).toMatchObject(data);
    expect(sentinelConnection(c, password)).toMatchObject(sentinel);
    expect(sentinelConnection(c, password)).not.toHaveProperty('commandRenames');
    if (!password) expect(dataConnection(c, password)).not.toHaveProperty('password');
  });
});

describe('template values', () => {
  it('renders the master, the password, TLS and the sentinels of a cluster', () => {
    expect(templateValues(cluster(), { host: '10.0.0.5', port: 6380 }, 'pw')).toEqual({
      host: '10.0.0.5',
      port: '6380',
      password: 'pw',
      tls: 'false',
      masterName: 'mymaster',
      sentinels: '10.0.0.1:26379,10.0.0.2:26379',
      readerHost: '',
      readerPort: '',
    });
    expect(templateValues(cluster(), { host: 'h', port: 1 }, undefined).password).toBe('');
  });

  it('digests what parameters render from: the master and the password version change it', () => {
    const c = cluster();
    const base = parametersDigest(c, { host: '10.0.0.5', port: 6380 }, 3);

    expect(parametersDigest(c, { host: '10.0.0.5', port: 6380 }, 3)).toBe(base);
    expect(parametersDigest(c, { host: '10.0.0.6', port: 6380 }, 3)).not.toBe(base);
    expect(parametersDigest(c, { host: '10.0.0.5', port: 6380 }, 4)).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});
