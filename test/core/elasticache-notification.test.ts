// Which inventory clusters an ElastiCache notification is about, and whether it calls for a
// reconcile: node ids of both naming schemes, the group id itself, Regions, announcements.
import { describe, expect, it } from 'vitest';
import {
  actionFor,
  clustersNamedBy,
  isKnownEvent,
  planNotification,
  type ElastiCacheNotification,
} from '../../functions/core/elasticache-notification';
import { isMemberOf, namesGroup } from '../../functions/core/elasticache-node-ids';
import { parseInventory, type Inventory } from '../../functions/core/inventory';

function inventory(): Inventory {
  const result = parseInventory(
    JSON.stringify({
      clusters: [
        {
          name: 'sessions',
          kind: 'elasticache',
          replicationGroupId: 'sessions',
          region: 'eu-west-1',
          passwordParameter: '/redis/sessions/token',
        },
        {
          name: 'sessions-us',
          kind: 'elasticache',
          replicationGroupId: 'sessions',
          region: 'us-east-1',
          passwordParameter: '/redis/sessions-us/token',
        },
        {
          name: 'orders',
          kind: 'elasticache',
          replicationGroupId: 'orders',
          region: 'eu-west-1',
          clusterMode: 'enabled',
          passwordParameter: '/redis/orders/token',
        },
        {
          name: 'legacy',
          sentinels: ['10.0.0.1:26379'],
          masterName: 'sessions',
          passwordParameter: '/redis/legacy/password',
        },
      ],
    }),
  );
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.inventory;
}

const notification = (
  events: Record<string, string>,
  region?: string,
  otherIds: string[] = [],
): ElastiCacheNotification => ({
  events: Object.entries(events).map(([name, sourceId]) => ({ name, sourceId })),
  otherIds,
  ...(region ? { region } : {}),
});

describe('isMemberOf', () => {
  it.each([
    ['sessions-002', 'sessions', true],
    ['sessions-0001-002', 'sessions', true],
    ['sessions-eu-002', 'sessions', false],
    ['sessions-02', 'sessions', false],
    ['sessions', 'sessions', false],
    ['sessionsx-001', 'sessions', false],
    ['orders-0003-001', 'orders', true],
  ])('%s is a node of %s: %s', (node, group, expected) => {
    expect(isMemberOf(node, group)).toBe(expected);
  });

  it('counts the group id itself as naming the group', () => {
    expect(namesGroup('sessions', 'sessions')).toBe(true);
    expect(namesGroup('sessions-002', 'sessions')).toBe(true);
    expect(namesGroup('session', 'sessions')).toBe(false);
  });
});

describe('clustersNamedBy', () => {
  it.each([
    ['a node of a cluster-mode-disabled group', { FailoverComplete: 'sessions-002' }, ['sessions']],
    ['a node of a shard', { FailoverComplete: 'orders-0002-001' }, ['orders']],
    ['the group itself', { FailoverComplete: 'orders' }, ['orders']],
    ['a node of no inventory group', { FailoverComplete: 'carts-001' }, []],
  ])('finds the cluster from %s', (_case, events, expected) => {
    const named = clustersNamedBy(notification(events, 'eu-west-1'), inventory().clusters);
    expect(named.map((c) => c.name)).toEqual(expected);
  });

  it('keeps to the Region of the topic when groups of one id live in two Regions', () => {
    const clusters = inventory().clusters;
    const names = (region?: string) =>
      clustersNamedBy(notification({ FailoverComplete: 'sessions-001' }, region), clusters).map(
        (c) => c.name,
      );
    expect(names('us-east-1')).toEqual(['sessions-us']);
    expect(names(undefined)).toEqual(['sessions', 'sessions-us']);
  });

  it('reads the extra ids a message carries, and never matches a sentinel master name', () => {
    const named = clustersNamedBy(
      notification({ CertificateRenewalComplete: '' }, 'eu-west-1', ['sessions']),
      inventory().clusters,
    );
    expect(named.map((c) => c.name)).toEqual(['sessions']);
  });
});

describe('planNotification', () => {
  it('reconciles the named cluster after a failover', () => {
    const plan = planNotification(
      notification({ FailoverComplete: 'sessions-002' }, 'eu-west-1'),
      inventory().clusters,
    );
    expect(plan.kind).toBe('reconcile');
    expect(plan.clusters.map((c) => c.name)).toEqual(['sessions']);
    expect(plan.kind === 'reconcile' && plan.unknownEvents).toEqual([]);
  });

  it('reconciles on an event ElastiCache did not document yet, and says it is unknown', () => {
    const plan = planNotification(
      notification({ PrimaryMoved: 'sessions-002' }, 'eu-west-1'),
      inventory().clusters,
    );
    expect(plan).toMatchObject({ kind: 'reconcile', unknownEvents: ['PrimaryMoved'] });
  });

  it.each([
    ['a snapshot', { SnapshotComplete: 'sessions-001' }, 'informational'],
    ['a scheduled replacement', { NodeReplacementScheduled: 'sessions-001' }, 'informational'],
    ['a node of no inventory group', { FailoverComplete: 'carts-002' }, 'no-cluster'],
    ['no event at all', {}, 'no-event'],
  ])('ignores %s', (_case, events, reason) => {
    const plan = planNotification(notification(events, 'eu-west-1'), inventory().clusters);
    expect(plan).toMatchObject({ kind: 'ignore', reason });
  });

  it('reconciles when an announcement comes with an event that changes the group', () => {
    const plan = planNotification(
      notification({ SnapshotComplete: 'sessions-001', CacheNodeReplaceComplete: 'sessions-001' }),
      inventory().clusters,
    );
    expect(plan.kind).toBe('reconcile');
  });
});

describe('actionFor', () => {
  it('classifies the documented failover, replacement and reboot events as reconcile', () => {
    for (const name of ['FailoverComplete', 'CacheNodeReplaceComplete', 'CacheNodesRebooted']) {
      expect(isKnownEvent(name)).toBe(true);
      expect(actionFor(name)).toBe('reconcile');
    }
    expect(isKnownEvent('SomethingNew')).toBe(false);
  });
});
