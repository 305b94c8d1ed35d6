// CLUSTER SHARDS as the probe reads it (RESP2 replies as ioredis returns them).
import { describe, expect, it } from 'vitest';
import { clusterShards } from '../../functions/control/elasticache-shards';

const node = (fields: Record<string, unknown>) => Object.entries(fields).flat();

describe('CLUSTER SHARDS', () => {
  it('finds each shard first slot and its online master, on the TLS port with TLS', () => {
    const reply = [
      [
        'slots',
        [0, 5460],
        'nodes',
        [
          node({
            id: 'a',
            'tls-port': 7001,
            ip: '10.0.0.1',
            endpoint: '10.0.0.1',
            hostname: '',
            role: 'master',
            health: 'online',
          }),
          node({
            id: 'b',
            'tls-port': 7002,
            ip: '10.0.0.2',
            endpoint: '10.0.0.2',
            hostname: '',
            role: 'replica',
            health: 'online',
          }),
        ],
      ],
      [
        'slots',
        [10923, 16383, 5461, 10922],
        'nodes',
        [
          node({
            id: 'c',
            port: 6379,
            'tls-port': 7003,
            endpoint: '10.0.0.3',
            hostname: 'carts-0002-001.carts.xyz.euw1.cache.amazonaws.com',
            role: 'master',
            health: 'online',
          }),
        ],
      ],
      [
        'slots',
        [],
        'nodes',
        [node({ id: 'd', 'tls-port': 7004, endpoint: '10.0.0.4', role: 'master', health: 'fail' })],
      ],
    ];

    expect(clusterShards(reply, true)).toEqual([
      {
        firstSlot: 0,
        lastSlot: 5460,
        master: { endpoint: { host: '10.0.0.1', port: 7001 } },
        replicas: [{ endpoint: { host: '10.0.0.2', port: 7002 } }],
      },
      {
        firstSlot: 5461,
        lastSlot: 16383,
        replicas: [],
        master: {
          endpoint: { host: 'carts-0002-001.carts.xyz.euw1.cache.amazonaws.com', port: 7003 },
          hostname: 'carts-0002-001.carts.xyz.euw1.cache.amazonaws.com',
        },
      },
      { firstSlot: undefined, lastSlot: undefined, master: undefined, replicas: [] },
    ]);
    expect(clusterShards(reply, false)[1]?.master?.endpoint.port).toBe(6379);
  });

  it('reads a reply that is no list as no shards', () => {
    expect(clusterShards('ERR', true)).toEqual([]);
  });
});
