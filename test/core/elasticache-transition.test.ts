// planTransition for ElastiCache verdicts: each shard's primary node is tracked, a new one
// publishes one master.changed for that shard only, and old stored states (without shards) stay
// readable.
import { describe, expect, it } from 'vitest';
import { NO_HYSTERESIS } from '../../functions/core/alert-hysteresis';
import { planTransition, type ClusterState } from '../../functions/core/cluster-state';
import type { ShardPrimary, Verdict } from '../../functions/core/verdict';

const NOW = new Date('2026-11-25T10:00:00Z');
const CONFIG = { host: 'carts.xyz.clustercfg.euw1.cache.amazonaws.com', port: 6379 };
const node = (port: number) => ({ host: '10.0.0.9', port });

const shard = (
  nodeGroupId: string,
  id: string,
  port: number,
  isConfirmed = true,
): ShardPrimary => ({
  nodeGroupId,
  cacheClusterId: id,
  endpoint: node(port),
  isConfirmed,
});

const verdict = (shards: ShardPrimary[]): Verdict => ({
  status: 'ok',
  reasons: [],
  master: CONFIG,
  isConfirmed: shards.every((s) => s.isConfirmed),
  configEpoch: 0,
  votes: [],
  sentinelsConfigured: 0,
  sentinelsAnswering: 0,
  shards,
});

const plan = (previous: ClusterState | undefined, v: Verdict, eventsReadUntil?: string) =>
  planTransition({
    cluster: 'carts',
    masterName: 'carts',
    source: 'urn:test',
    now: NOW,
    previous,
    verdict: v,
    hysteresis: NO_HYSTERESIS,
    groupEndpoint: CONFIG,
    ...(eventsReadUntil ? { eventsReadUntil } : {}),
  });

const THREE = [
  shard('0001', 'carts-0001-001', 7001),
  shard('0002', 'carts-0002-001', 7002),
  shard('0003', 'carts-0003-001', 7003),
];

describe('planTransition for ElastiCache shards', () => {
  it('records every shard primary at the first probe without publishing a change', () => {
    const first = plan(undefined, verdict(THREE), '2026-11-25T10:00:00.000Z');

    expect(first.events).toEqual([]);
    expect(first.next.shards).toEqual({
      '0001': { cacheClusterId: 'carts-0001-001', endpoint: '10.0.0.9:7001' },
      '0002': { cacheClusterId: 'carts-0002-001', endpoint: '10.0.0.9:7002' },
      '0003': { cacheClusterId: 'carts-0003-001', endpoint: '10.0.0.9:7003' },
    });
    expect(first.next.eventsReadUntil).toBe('2026-11-25T10:00:00.000Z');
  });

  it('publishes one master.changed for the shard that failed over, with node ids and endpoints', () => {
    const first = plan(undefined, verdict(THREE)).next;
    const moved = [THREE[0], shard('0002', 'carts-0002-002', 7102), THREE[2]] as ShardPrimary[];

    const next = plan(first, verdict(moved));

    expect(next.isMasterChanged).toBe(true);
    expect(next.events.map((e) => e.type)).toEqual(['redis-ha.master.changed']);
    expect(next.events[0]?.data).toEqual({
      cluster: 'carts',
      masterName: 'carts',
      replicationGroupId: 'carts',
      nodeGroupId: '0002',
      previous: '10.0.0.9:7002',
      current: '10.0.0.9:7102',
      previousCacheClusterId: 'carts-0002-001',
      currentCacheClusterId: 'carts-0002-002',
      primaryEndpoint: `${CONFIG.host}:6379`,
    });
    expect(next.next.shards?.['0002']).toEqual({
      cacheClusterId: 'carts-0002-002',
      endpoint: '10.0.0.9:7102',
    });
    // The same transition planned again (a retry before the commit) repeats the event id.
    expect(plan(first, verdict(moved)).events[0]?.id).toBe(next.events[0]?.id);
  });

  it('keeps the last confirmed primary of a shard that has none confirmed now, and publishes nothing', () => {
    const first = plan(undefined, verdict(THREE)).next;
    const unsettled = [
      THREE[0],
      shard('0002', 'carts-0002-002', 7102, false),
      THREE[2],
    ] as ShardPrimary[];

    const next = plan(first, verdict(unsettled));

    expect(next.events.filter((e) => e.type === 'redis-ha.master.changed')).toEqual([]);
    expect(next.next.shards?.['0002']?.cacheClusterId).toBe('carts-0002-001');
  });

  it('reads a state stored before shards existed and starts tracking from it', () => {
    const old: ClusterState = {
      cluster: 'carts',
      revision: 4,
      master: null,
      configEpoch: 0,
      status: 'ok',
      reasonCodes: [],
      disagreement: null,
      parametersDigest: null,
      updatedAt: '2026-11-24T00:00:00.000Z',
    };

    const next = plan(old, verdict(THREE));

    expect(next.events).toEqual([]);
    expect(next.isChanged).toBe(true);
    expect(Object.keys(next.next.shards ?? {})).toEqual(['0001', '0002', '0003']);
  });
});
