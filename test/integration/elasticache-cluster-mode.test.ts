// An ElastiCache group with cluster mode enabled and three shards: the API (aws-sdk-client-mock)
// names no primary, so each shard's primary comes from CLUSTER SHARDS over the configuration
// endpoint of a real local TLS Redis Cluster. One shard fails over: one master.changed, for it.
import {
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileCluster } from '../../functions/control/reconcile';
import { makeCa, makeServerCertificate } from '../support/certificates';
import { elastiCacheCluster, mockedElastiCache } from '../support/elasticache-groups';
import { LocalRedisCluster, type ClusterShardPorts } from '../support/redis-cluster';
import { controlDepsFor, Harness, PASSWORD, PASSWORD_PARAMETER } from '../support/topology';

const harness = new Harness();
let redisCluster: LocalRedisCluster | undefined;
let caFile = '';

beforeAll(async () => {
  const dir = harness.tempDir();
  const certificate = makeServerCertificate(dir, makeCa(dir, 'carts'), ['IP:127.0.0.1']);
  caFile = certificate.caFile;
  redisCluster = await LocalRedisCluster.start({ password: PASSWORD, tls: certificate });
}, 90_000);
afterAll(async () => {
  await redisCluster?.stop();
  await harness.cleanup();
});

/** DescribeReplicationGroups of `carts` (cluster mode enabled), as the API reference shapes it. */
function shardedGroup(shards: readonly ClusterShardPorts[], configPort: number): ReplicationGroup {
  const ids = shards.map((_, i) => `000${i + 1}`);
  return {
    ReplicationGroupId: 'carts',
    Status: 'available',
    PendingModifiedValues: {},
    MemberClusters: ids.flatMap((id) => [`carts-${id}-001`, `carts-${id}-002`]),
    NodeGroups: shards.map((shard, i) => ({
      NodeGroupId: ids[i],
      Status: 'available',
      Slots: shard.slots,
      // No CurrentRole and no ReadEndpoint with cluster mode enabled.
      NodeGroupMembers: ['001', '002'].map((n) => ({
        CacheClusterId: `carts-${ids[i]}-${n}`,
        CacheNodeId: '0001',
        PreferredAvailabilityZone: n === '001' ? 'eu-west-1a' : 'eu-west-1b',
      })),
    })),
    AutomaticFailover: 'enabled',
    MultiAZ: 'enabled',
    ConfigurationEndpoint: { Address: '127.0.0.1', Port: configPort },
    ClusterEnabled: true,
    ClusterMode: 'enabled',
    AuthTokenEnabled: true,
    TransitEncryptionEnabled: true,
    Engine: 'valkey',
  };
}

describe('ElastiCache cluster mode enabled', () => {
  it('tracks each of three shard primaries and publishes master.changed only for the shard that failed over', async () => {
    const local = redisCluster as LocalRedisCluster;
    const elasticache = mockedElastiCache();
    const before = await local.shards();
    const configPort = local.ports[0] as number;
    elasticache.mock
      .on(DescribeReplicationGroupsCommand)
      .resolves({ ReplicationGroups: [shardedGroup(before, configPort)] })
      .on(DescribeEventsCommand)
      .resolves({ Events: [] });
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const cluster = elastiCacheCluster({
      replicationGroupId: 'carts',
      clusterMode: 'enabled',
      tls: { caFile },
    });
    const deps = controlDepsFor(backend, { elasticache: elasticache.factory });

    const first = await reconcileCluster(cluster, deps);

    expect(first.verdict).toMatchObject({
      status: 'ok',
      isConfirmed: true,
      master: { host: '127.0.0.1', port: configPort },
    });
    expect(first.verdict.reasons).toEqual([]);
    expect(
      first.verdict.shards?.map((s) => [s.nodeGroupId, s.endpoint?.port, s.isConfirmed]),
    ).toEqual(before.map((shard, i) => [`000${i + 1}`, shard.master, true]));
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(`127.0.0.1:${configPort}`);
    const firstState = await backend.state.getClusterState('test');

    // Shard 0002's replica takes over (CLUSTER FAILOVER, what TestFailover does).
    const shard2 = before[1] as ClusterShardPorts;
    const promoted = shard2.replicas[0] as number;
    await local.failover(promoted);

    const second = await reconcileCluster(cluster, deps);

    expect(second.verdict).toMatchObject({ status: 'ok', isConfirmed: true });
    expect(second.events.map((e) => e.type)).toEqual(['redis-ha.master.changed']);
    expect(second.events[0]?.data).toMatchObject({
      replicationGroupId: 'carts',
      nodeGroupId: '0002',
      previous: `127.0.0.1:${shard2.master}`,
      current: `127.0.0.1:${promoted}`,
      primaryEndpoint: `127.0.0.1:${configPort}`,
    });
    const state = await backend.state.getClusterState('test');
    expect(state?.shards?.['0002']?.endpoint).toBe(`127.0.0.1:${promoted}`);
    expect(state?.shards?.['0001']).toEqual(firstState?.shards?.['0001']);
    expect(state?.shards?.['0003']).toEqual(firstState?.shards?.['0003']);
    // Re-rendered for the new primary: same configuration endpoint, so no value differs.
    expect(state?.parametersDigest).not.toBe(firstState?.parametersDigest);
    expect(second.parametersWritten).toEqual([]);
  }, 60_000);
});
