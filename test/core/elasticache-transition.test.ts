// planTransition for ElastiCache verdicts: each shard's primary node is tracked, a new one
// publishes one master.changed for that shard only, and old stored states (without shards) stay
// readable.
import { describe, expect, it } from 'vitest';
import { NO_HYSTERESIS } from '../../functions/core/alert-hysteresis';
import { planTransition, type ClusterState } from '../../functions/core/cluster-state';
import { primaryDigestKey } from '../../functions/core/shard-primaries';
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
      '0001': { cacheClusterId: 'carts-0001-001', endpoint: '10.0.0.9:7001', sinceRevision: 1 },
      '0002': { cacheClusterId: 'carts-0002-001', endpoint: '10.0.0.9:7002', sinceRevision: 1 },
      '0003': { cacheClusterId: 'carts-0003-001', endpoint: '10.0.0.9:7003', sinceRevision: 1 },
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
      sinceRevision: 2,
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

  it('gives a shard change the same event id after a commit that left the shard alone', () => {
    // Two runs read revision 1 during a failover: one saw the shard unconfirmed and committed
    // revision 2 (a new events read time), the other published the change and lost the commit.
    const first = plan(undefined, verdict(THREE)).next;
    const moved = [THREE[0], shard('0002', 'carts-0002-002', 7102), THREE[2]] as ShardPrimary[];
    const unsettled = [THREE[0], { ...moved[1], isConfirmed: false }, THREE[2]] as ShardPrimary[];
    const published = plan(first, verdict(moved)).events[0]?.id;
    const committed = plan(first, verdict(unsettled), '2026-11-25T10:00:00.000Z');
    expect(committed.isChanged).toBe(true);

    const again = plan(committed.next, verdict(moved));

    expect(again.events.map((e) => e.type)).toEqual(['redis-ha.master.changed']);
    expect(again.events[0]?.id).toBe(published);
    // A later failover back to the first node is a new event.
    const back = plan(again.next, verdict(THREE));
    expect(back.events.map((e) => e.id)).not.toContain(published);
    expect(back.events).toHaveLength(1);
  });

  it.each([
    ['an endpoint only after an id', 'carts-0002-001', null],
    ['an id only after an endpoint only', null, 'carts-0002-001'],
  ])(
    'publishes nothing when a probe records %s for the same node',
    (_, firstId: string | null, secondId: string | null) => {
      const withId = (id: string | null): ShardPrimary[] => [
        THREE[0] as ShardPrimary,
        { nodeGroupId: '0002', cacheClusterId: id, endpoint: node(7002), isConfirmed: true },
        THREE[2] as ShardPrimary,
      ];
      const first = plan(undefined, verdict(withId(firstId))).next;

      const next = plan(first, verdict(withId(secondId)));

      expect(next.events).toEqual([]);
      expect(next.isMasterChanged).toBe(false);
      // Whatever was learnt of the node (its id) stays.
      expect(next.next.shards?.['0002']).toEqual({
        cacheClusterId: 'carts-0002-001',
        endpoint: '10.0.0.9:7002',
        sinceRevision: 1,
      });
      expect(plan(next.next, verdict(withId(firstId))).events).toEqual([]);
    },
  );

  it('gives a shard change the same event id whether or not the run mapped the new node to its id', () => {
    const first = plan(undefined, verdict(THREE)).next;
    const mapped = shard('0002', 'carts-0002-002', 7102);
    const withNode = (s: ShardPrimary) => [THREE[0], s, THREE[2]] as ShardPrimary[];

    const ids = [mapped, { ...mapped, cacheClusterId: null }].map(
      (s) => plan(first, verdict(withNode(s))).events[0]?.id,
    );

    expect(ids[0]).toEqual(expect.any(String));
    expect(ids[1]).toBe(ids[0]);
  });

  it('compares endpoints when one record has no id, and reports a different node', () => {
    const first = plan(undefined, verdict(THREE)).next;
    const moved = [
      THREE[0],
      { nodeGroupId: '0002', cacheClusterId: null, endpoint: node(7102), isConfirmed: true },
      THREE[2],
    ] as ShardPrimary[];

    const next = plan(first, verdict(moved));

    expect(next.events.map((e) => e.data)).toEqual([
      expect.objectContaining({
        nodeGroupId: '0002',
        previous: '10.0.0.9:7002',
        current: '10.0.0.9:7102',
      }),
    ]);
  });

  it('refreshes a record it cannot compare (an id without endpoint, then an endpoint without id) without an event', () => {
    const idOnly = [
      THREE[0],
      { nodeGroupId: '0002', cacheClusterId: 'carts-0002-001', endpoint: null, isConfirmed: true },
      THREE[2],
    ] as ShardPrimary[];
    const endpointOnly = [
      THREE[0],
      { nodeGroupId: '0002', cacheClusterId: null, endpoint: node(7102), isConfirmed: true },
      THREE[2],
    ] as ShardPrimary[];
    const first = plan(undefined, verdict(idOnly)).next;

    const next = plan(first, verdict(endpointOnly));

    expect(next.events).toEqual([]);
    expect(next.isMasterChanged).toBe(false);
    expect(next.next.shards?.['0002']).toEqual({
      cacheClusterId: null,
      endpoint: '10.0.0.9:7102',
      sinceRevision: 1,
    });
  });

  it('gives the parameters digest the same primary whether or not the probe mapped its id', () => {
    const mapped = shard('0002', 'carts-0002-001', 7002);
    const unmapped = { ...mapped, cacheClusterId: null };

    expect(primaryDigestKey(unmapped)).toBe(primaryDigestKey(mapped));
    expect(primaryDigestKey(shard('0002', 'carts-0002-002', 7102))).not.toBe(
      primaryDigestKey(mapped),
    );
  });
});
