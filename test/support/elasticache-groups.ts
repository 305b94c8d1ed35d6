// ElastiCache replication groups for tests: inventory entries, and DescribeReplicationGroups
// responses (SDK shapes, as the ElastiCache API reference gives them) whose endpoints point at
// local TLS redis-server processes, served by aws-sdk-client-mock behind the real adapter.
import { ElastiCacheClient, type ReplicationGroup } from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsElastiCacheApi } from '../../functions/adapters/aws/elasticache-api';
import type { ElastiCacheCluster, Inventory } from '../../functions/core/inventory';
import { inventoryOrThrow } from '../../sandbox/inventory';
import { FAKE_AWS } from './aws-fakes/loopback';
import { CLUSTER_TIMEOUT_MS, PASSWORD_PARAMETER } from './topology';

export const GROUP_ID = 'orders';
export const ELASTICACHE_PARAMETERS = {
  '/test/app/addr': '{{host}}:{{port}}',
  '/test/app/reader': '{{readerHost}}:{{readerPort}}',
  '/test/app/url': 'rediss://:{{password}}@{{host}}:{{port}}',
  '/test/app/group': '{{masterName}}|{{tls}}',
};

/** An inventory with one `kind: elasticache` entry named `test`. */
export function elastiCacheInventory(overrides: Record<string, unknown> = {}): Inventory {
  return inventoryOrThrow({
    clusters: [
      {
        name: 'test',
        kind: 'elasticache',
        replicationGroupId: GROUP_ID,
        region: 'eu-west-1',
        passwordParameter: PASSWORD_PARAMETER,
        platformParameters: ELASTICACHE_PARAMETERS,
        timeouts: { connectMs: CLUSTER_TIMEOUT_MS, commandMs: CLUSTER_TIMEOUT_MS },
        ...overrides,
      },
    ],
  });
}

export function elastiCacheCluster(overrides: Record<string, unknown> = {}): ElastiCacheCluster {
  return elastiCacheInventory(overrides).clusters[0] as ElastiCacheCluster;
}

/** A member node: its cache cluster id, the local port it listens on, and its role. */
export interface LocalMember {
  readonly id: string;
  readonly port: number;
  readonly role: 'primary' | 'replica';
}

/**
 * A cluster-mode-disabled group as DescribeReplicationGroups returns it. The primary endpoint
 * points at the primary's port (ElastiCache moves its DNS record at a failover), the reader
 * endpoint at the first replica.
 */
export function singleShardGroup(
  members: readonly LocalMember[],
  overrides: Partial<ReplicationGroup> = {},
): ReplicationGroup {
  const primary = members.find((m) => m.role === 'primary');
  const replica = members.find((m) => m.role === 'replica');
  return {
    ReplicationGroupId: GROUP_ID,
    Description: 'orders cache',
    Status: 'available',
    PendingModifiedValues: {},
    MemberClusters: members.map((m) => m.id),
    NodeGroups: [
      {
        NodeGroupId: '0001',
        Status: 'available',
        ...(primary ? { PrimaryEndpoint: { Address: '127.0.0.1', Port: primary.port } } : {}),
        ...(replica ? { ReaderEndpoint: { Address: '127.0.0.1', Port: replica.port } } : {}),
        NodeGroupMembers: members.map((m, i) => ({
          CacheClusterId: m.id,
          CacheNodeId: '0001',
          ReadEndpoint: { Address: '127.0.0.1', Port: m.port },
          PreferredAvailabilityZone: `eu-west-1${'abc'[i % 3]}`,
          CurrentRole: m.role,
        })),
      },
    ],
    AutomaticFailover: 'enabled',
    MultiAZ: 'enabled',
    ClusterEnabled: false,
    ClusterMode: 'disabled',
    CacheNodeType: 'cache.r7g.large',
    AuthTokenEnabled: true,
    TransitEncryptionEnabled: true,
    TransitEncryptionMode: 'required',
    AtRestEncryptionEnabled: true,
    Engine: 'redis',
    ARN: `arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:${GROUP_ID}`,
    ...overrides,
  };
}

/** An SDK client for one Region, mocked, and the `ControlDeps.elasticache` that uses it. */
export function mockedElastiCache() {
  const client = new ElastiCacheClient({ ...FAKE_AWS });
  const mock = mockClient(client);
  const api = new AwsElastiCacheApi({ elasticache: client });
  return { client, mock, factory: () => api };
}

/** An SDK error as the client throws it after parsing the service's reply. */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode },
  });
}
