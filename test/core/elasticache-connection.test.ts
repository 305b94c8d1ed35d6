// How an ElastiCache group is dialled and what its parameters are rendered from: the RBAC user
// (username, else userId) or none with an AUTH token, TLS by default, the group's endpoints in
// the placeholders, and a digest that moves with each shard's primary.
import { describe, expect, it } from 'vitest';
import { dataConnection } from '../../functions/core/connection';
import { parseInventory, type ElastiCacheCluster } from '../../functions/core/inventory';
import {
  elastiCacheParametersDigest,
  elastiCacheTemplateValues,
} from '../../functions/core/template-values';

function group(fields: Record<string, unknown> = {}): ElastiCacheCluster {
  const result = parseInventory(
    JSON.stringify({
      clusters: [
        {
          name: 'orders',
          kind: 'elasticache',
          replicationGroupId: 'orders',
          region: 'eu-west-1',
          passwordParameter: '/orders/token',
          timeouts: { connectMs: 700, commandMs: 900 },
          platformParameters: { '/app/addr': '{{host}}:{{port}}' },
          ...fields,
        },
      ],
    }),
  );
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.inventory.clusters[0] as ElastiCacheCluster;
}

const PRIMARY = { host: 'master.orders.abc.euw1.cache.amazonaws.com', port: 6379 };
const READER = { host: 'replica.orders.abc.euw1.cache.amazonaws.com', port: 6379 };

describe('ElastiCache connection options', () => {
  it.each<[string, Record<string, unknown>, object]>([
    [
      'an AUTH token: no user, TLS verified by default',
      {},
      {
        connectTimeoutMs: 700,
        commandTimeoutMs: 900,
        password: 'tok',
        tls: { rejectUnauthorized: true },
      },
    ],
    [
      'an RBAC user without a username: the user id',
      { userId: 'app-user' },
      { username: 'app-user', password: 'tok' },
    ],
    [
      'an RBAC user with a username',
      { userId: 'app-user', username: 'app' },
      { username: 'app', password: 'tok' },
    ],
    [
      'no TLS when the group has no in-transit encryption',
      { tls: { enabled: false } },
      { connectTimeoutMs: 700, password: 'tok' },
    ],
  ])('%s', (_name, fields, expected) => {
    const options = dataConnection(group(fields), 'tok');

    expect(options).toMatchObject(expected);
    if (!('userId' in fields)) expect(options.username).toBeUndefined();
    if ((fields.tls as { enabled?: boolean } | undefined)?.enabled === false)
      expect(options.tls).toBeUndefined();
    expect(options.commandRenames).toBeUndefined();
  });
});

describe('ElastiCache template values', () => {
  it('renders the primary and reader endpoints, the group id, the token and TLS', () => {
    expect(elastiCacheTemplateValues(group(), { primary: PRIMARY, reader: READER }, 'tok')).toEqual(
      {
        host: PRIMARY.host,
        port: '6379',
        readerHost: READER.host,
        readerPort: '6379',
        masterName: 'orders',
        password: 'tok',
        tls: 'true',
        sentinels: '',
      },
    );
  });

  it('gives readers the primary (configuration) endpoint when the group has no reader endpoint', () => {
    const values = elastiCacheTemplateValues(
      group(),
      { primary: PRIMARY, reader: null },
      undefined,
    );

    expect([values.readerHost, values.readerPort, values.password]).toEqual([
      PRIMARY.host,
      '6379',
      '',
    ]);
  });

  it('moves the digest with a shard primary, the password version and the endpoints, never with the password', () => {
    const digest = (primaries: string[], version = 1, reader: typeof READER | null = READER) =>
      elastiCacheParametersDigest(group(), { primary: PRIMARY, reader }, version, primaries);
    const base = digest(['0001=orders-001']);

    expect(digest(['0001=orders-001'])).toBe(base);
    expect(digest(['0001=orders-002'])).not.toBe(base);
    expect(digest(['0001=orders-001'], 2)).not.toBe(base);
    expect(digest(['0001=orders-001'], 1, null)).not.toBe(base);
  });
});
