// Two runs acting on one ElastiCache group at once (the scheduled probe and the probe an SNS
// notification starts), through the real actOnVerdict and the local SQLite state store: a
// failover is published once, whichever run commits and whatever it commits.
import { afterEach, describe, expect, it } from 'vitest';
import { actOnVerdict, type VerdictToAct } from '../../functions/control/act-on-verdict';
import type { ShardPrimary, Verdict } from '../../functions/core/verdict';
import { elastiCacheCluster } from '../support/elasticache-groups';
import { controlDepsFor, Harness } from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());

const cluster = elastiCacheCluster();
const PRIMARY_ENDPOINT = { host: 'orders.xyz.ng.0001.euw1.cache.amazonaws.com', port: 6379 };

const primary = (id: string, port: number, isConfirmed = true): ShardPrimary => ({
  nodeGroupId: '0001',
  cacheClusterId: id,
  endpoint: { host: '10.0.0.9', port },
  isConfirmed,
});

const verdictOf = (shard: ShardPrimary): Verdict => ({
  status: shard.isConfirmed ? 'ok' : 'degraded',
  reasons: shard.isConfirmed
    ? []
    : [
        {
          code: 'FAILOVER_IN_PROGRESS',
          severity: 'degraded',
          target: '0001',
          message: 'failover in progress',
        },
      ],
  master: PRIMARY_ENDPOINT,
  isConfirmed: shard.isConfirmed,
  configEpoch: 0,
  votes: [],
  sentinelsConfigured: 0,
  sentinelsAnswering: 0,
  shards: [shard],
});

describe('overlapping runs on an ElastiCache group', () => {
  it('publishes a shard failover once when another run committed a revision without it first', async () => {
    const backend = harness.backend();
    const deps = controlDepsFor(backend);
    const act = async (
      previous: VerdictToAct['previous'],
      shard: ShardPrimary,
      eventsReadUntil?: string,
    ) =>
      actOnVerdict(
        {
          cluster,
          masterName: 'orders',
          previous,
          verdict: verdictOf(shard),
          parameters: null,
          transition: {
            groupEndpoint: PRIMARY_ENDPOINT,
            ...(eventsReadUntil ? { eventsReadUntil } : {}),
          },
        },
        deps,
      );
    await act(undefined, primary('orders-001', 7001));
    const read = await backend.state.getClusterState('test');

    // Run A (the tick) reads it while the failover runs, sees the shard unconfirmed and still
    // commits (its events read time was due). Run B (the notification) read the same revision,
    // sees the new primary confirmed, publishes, and loses the commit.
    const tick = await act(read, primary('orders-002', 7002, false), new Date().toISOString());
    const notified = await act(read, primary('orders-002', 7002));
    // The next tick reads A's revision, where the old primary is still the stored one.
    const next = await act(
      await backend.state.getClusterState('test'),
      primary('orders-002', 7002),
    );

    expect(tick.isConflict).toBe(false);
    expect(notified.events.map((e) => e.type)).toContain('redis-ha.master.changed');
    expect(notified.isConflict).toBe(true);
    expect(next.events.map((e) => e.type)).not.toContain('redis-ha.master.changed');
    // Its claim found the event published: the same id, not a new event.
    expect(deps.log.text()).toContain('event already published by another run');
    expect(
      backend.events.list({ type: 'redis-ha.master.changed' }).map((e) => e.event.data),
    ).toEqual([
      expect.objectContaining({ nodeGroupId: '0001', currentCacheClusterId: 'orders-002' }),
    ]);
    expect((await backend.state.getClusterState('test'))?.shards?.['0001']).toMatchObject({
      cacheClusterId: 'orders-002',
    });
  });
});
