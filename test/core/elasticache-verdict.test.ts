// The ElastiCache verdict over plain data: one healthy group, then one case per reason, each
// with the severity an operator expects, and the per-shard primaries of cluster mode.
import { describe, expect, it } from 'vitest';
import type { ElastiCacheGroup, ElastiCacheEvent } from '../../functions/core/elasticache';
import {
  decideElastiCacheVerdict,
  type ElastiCachePolicy,
} from '../../functions/core/elasticache-verdict';
import type {
  ElastiCacheObservation,
  NodeAnswer,
  ShardObservation,
} from '../../functions/core/observation';

const HOST = 'orders.abc123.ng.0001.euw1.cache.amazonaws.com';
const PRIMARY_ENDPOINT = { host: `master.${HOST}`, port: 6379 };
const READER_ENDPOINT = { host: `replica.${HOST}`, port: 6379 };
const NODE_1 = { host: `orders-001.${HOST}`, port: 6379 };

const POLICY: ElastiCachePolicy = {
  replicationGroupId: 'orders',
  isTlsExpected: true,
  clusterMode: 'disabled',
  isAuthTokenConfigured: true,
};

const GROUP: ElastiCacheGroup = {
  replicationGroupId: 'orders',
  status: 'available',
  isClusterModeEnabled: false,
  automaticFailover: 'enabled',
  isMultiAz: true,
  isTransitEncryptionEnabled: true,
  isAuthTokenEnabled: true,
  nodeGroups: [
    {
      nodeGroupId: '0001',
      status: 'available',
      primaryEndpoint: PRIMARY_ENDPOINT,
      readerEndpoint: READER_ENDPOINT,
      members: [
        {
          cacheClusterId: 'orders-001',
          cacheNodeId: '0001',
          readEndpoint: NODE_1,
          availabilityZone: 'eu-west-1a',
          currentRole: 'primary',
        },
        {
          cacheClusterId: 'orders-002',
          cacheNodeId: '0001',
          availabilityZone: 'eu-west-1a',
          currentRole: 'replica',
        },
      ],
    },
  ],
};

const MASTER: NodeAnswer = { ok: true, role: 'master', offset: 10, replicas: [] };
const REPLICA: NodeAnswer = {
  ok: true,
  role: 'slave',
  offset: 10,
  replicas: [],
  masterEndpoint: NODE_1,
  linkState: 'connected',
};

const shard = (overrides: Partial<ShardObservation> = {}): ShardObservation => ({
  nodeGroupId: '0001',
  primary: { cacheClusterId: 'orders-001', endpoint: NODE_1 },
  dialled: PRIMARY_ENDPOINT,
  role: MASTER,
  ...overrides,
});

const observe = (overrides: Partial<ElastiCacheObservation> = {}): ElastiCacheObservation => ({
  group: GROUP,
  apiFailure: null,
  events: [],
  eventsFailure: null,
  missingPassword: null,
  topologyFailure: null,
  shards: [shard()],
  reader: { endpoint: READER_ENDPOINT, answer: { ok: true } },
  ...overrides,
});

const event = (message: string, date: string, source = 'orders'): ElastiCacheEvent => ({
  sourceIdentifier: source,
  sourceType: 'replication-group',
  message,
  date,
});

const DENIED =
  'ElastiCache DescribeReplicationGroups was denied (AccessDenied): arn:aws:iam::123456789012:user/ops needs IAM permission elasticache:DescribeReplicationGroups';

describe('ElastiCache verdict', () => {
  it('is ok and confirmed, with the primary node as master and neutral sentinel fields', () => {
    const verdict = decideElastiCacheVerdict(POLICY, observe());

    expect(verdict).toEqual({
      status: 'ok',
      reasons: [],
      master: NODE_1,
      isConfirmed: true,
      configEpoch: 0,
      votes: [],
      sentinelsConfigured: 0,
      sentinelsAnswering: 0,
      shards: [
        { nodeGroupId: '0001', cacheClusterId: 'orders-001', endpoint: NODE_1, isConfirmed: true },
      ],
    });
  });

  it.each<{
    name: string;
    policy?: Partial<ElastiCachePolicy>;
    observation: Partial<ElastiCacheObservation>;
    code: string;
    severity: 'degraded' | 'critical';
    message: RegExp;
    isConfirmed: boolean;
  }>([
    {
      name: 'a group that is modifying still serves: degraded, named',
      observation: { group: { ...GROUP, status: 'modifying', pendingAuthTokenStatus: 'ROTATING' } },
      code: 'GROUP_NOT_AVAILABLE',
      severity: 'degraded',
      message: /orders is modifying, not available \(AUTH token change ROTATING\)/,
      isConfirmed: true,
    },
    {
      name: 'a group that is snapshotting is degraded',
      observation: { group: { ...GROUP, status: 'snapshotting' } },
      code: 'GROUP_NOT_AVAILABLE',
      severity: 'degraded',
      message: /is snapshotting/,
      isConfirmed: true,
    },
    {
      name: 'a group still creating is critical and unconfirmed',
      observation: { group: { ...GROUP, status: 'creating' } },
      code: 'GROUP_NOT_AVAILABLE',
      severity: 'critical',
      message: /is creating/,
      isConfirmed: false,
    },
    {
      name: 'a node group without a primary member is a failover under way',
      observation: { shards: [shard({ primary: null })] },
      code: 'FAILOVER_IN_PROGRESS',
      severity: 'critical',
      message: /node group 0001 of orders has no primary node/,
      isConfirmed: false,
    },
    {
      name: 'the primary endpoint answering ROLE as a replica is a failover not settled',
      observation: { shards: [shard({ role: REPLICA })] },
      code: 'FAILOVER_IN_PROGRESS',
      severity: 'critical',
      message: /answers ROLE as replica while orders-001 is named primary/,
      isConfirmed: false,
    },
    {
      name: 'a failover event without its completion is degraded',
      observation: {
        events: [event('Test Failover API called for node group 0001', '2026-11-25T06:00:00Z')],
      },
      code: 'FAILOVER_IN_PROGRESS',
      severity: 'degraded',
      message: /Test Failover API called for node group 0001/,
      isConfirmed: true,
    },
    {
      name: 'automatic failover disabled is degraded',
      observation: { group: { ...GROUP, automaticFailover: 'disabled' } },
      code: 'AUTOMATIC_FAILOVER_DISABLED',
      severity: 'degraded',
      message: /automatic failover is disabled on orders/,
      isConfirmed: true,
    },
    {
      name: 'Multi-AZ off is degraded and names the zones',
      observation: { group: { ...GROUP, isMultiAz: false } },
      code: 'SINGLE_AZ',
      severity: 'degraded',
      message: /Multi-AZ is off on orders \(nodes in eu-west-1a\)/,
      isConfirmed: true,
    },
    {
      name: 'a refused token on the primary is critical',
      observation: {
        shards: [shard({ role: { ok: false, failure: 'auth-failed', detail: 'WRONGPASS' } })],
      },
      code: 'AUTH_FAILED',
      severity: 'critical',
      message: /refused the credentials/,
      isConfirmed: false,
    },
    {
      name: 'a failed TLS handshake on the primary is critical',
      observation: {
        shards: [
          shard({
            role: {
              ok: false,
              failure: 'tls-failed',
              detail: 'TLS: self-signed certificate in certificate chain',
            },
          }),
        ],
      },
      code: 'TLS_FAILED',
      severity: 'critical',
      message: /TLS handshake failed \(self-signed certificate in certificate chain\)/,
      isConfirmed: false,
    },
    {
      name: 'an unreachable primary endpoint is critical',
      observation: {
        shards: [shard({ role: { ok: false, failure: 'timeout', detail: 'timed out' } })],
      },
      code: 'ENDPOINT_UNREACHABLE',
      severity: 'critical',
      message: /primary endpoint of node group 0001 of orders .* did not answer: timed out/,
      isConfirmed: false,
    },
    {
      name: 'an unreachable reader endpoint is degraded only',
      observation: {
        reader: {
          endpoint: READER_ENDPOINT,
          answer: { ok: false, failure: 'unreachable', detail: 'connection refused' },
        },
      },
      code: 'ENDPOINT_UNREACHABLE',
      severity: 'degraded',
      message: /reader endpoint replica\.orders.* did not answer: connection refused/,
      isConfirmed: true,
    },
    {
      name: 'a throttled DescribeReplicationGroups is degraded: nothing new known',
      observation: {
        group: null,
        shards: [],
        reader: null,
        apiFailure: {
          kind: 'throttled',
          operation: 'DescribeReplicationGroups',
          message: 'ElastiCache DescribeReplicationGroups was throttled (Throttling)',
        },
      },
      code: 'API_THROTTLED',
      severity: 'degraded',
      message: /throttled .*group orders not checked this time/,
      isConfirmed: false,
    },
    {
      name: 'a denied DescribeReplicationGroups is critical and keeps the permission in the message',
      observation: {
        group: null,
        shards: [],
        reader: null,
        apiFailure: {
          kind: 'access-denied',
          operation: 'DescribeReplicationGroups',
          message: DENIED,
        },
      },
      code: 'ACCESS_DENIED',
      severity: 'critical',
      message: /user\/ops needs IAM permission elasticache:DescribeReplicationGroups/,
      isConfirmed: false,
    },
    {
      name: 'a denied DescribeEvents alone is degraded: the group was still read',
      observation: {
        eventsFailure: {
          kind: 'access-denied',
          operation: 'DescribeEvents',
          message: 'needs IAM permission elasticache:DescribeEvents',
        },
      },
      code: 'ACCESS_DENIED',
      severity: 'degraded',
      message: /elasticache:DescribeEvents/,
      isConfirmed: true,
    },
    {
      name: 'a group that does not exist is critical',
      observation: {
        group: null,
        shards: [],
        reader: null,
        apiFailure: {
          kind: 'not-found',
          operation: 'DescribeReplicationGroups',
          message: 'ElastiCache replication group orders not found (check its id and Region)',
        },
      },
      code: 'GROUP_NOT_FOUND',
      severity: 'critical',
      message: /orders not found/,
      isConfirmed: false,
    },
    {
      name: 'a missing password parameter is critical and nothing was dialled',
      observation: {
        missingPassword: '/orders/token',
        shards: [shard({ role: null })],
        reader: null,
      },
      code: 'PASSWORD_MISSING',
      severity: 'critical',
      message: /\/orders\/token .* not in the parameter store/,
      isConfirmed: false,
    },
    {
      name: 'encryption off on the group while the inventory expects TLS is critical',
      observation: { group: { ...GROUP, isTransitEncryptionEnabled: false } },
      code: 'TLS_MISMATCH',
      severity: 'critical',
      message: /in-transit encryption off but the inventory expects TLS/,
      isConfirmed: true,
    },
    {
      name: 'encryption on while the inventory says no TLS is critical',
      policy: { isTlsExpected: false },
      observation: {},
      code: 'TLS_MISMATCH',
      severity: 'critical',
      message: /tls\.enabled: false/,
      isConfirmed: true,
    },
    {
      name: 'cluster mode different from the inventory is critical',
      policy: { clusterMode: 'enabled' },
      observation: {},
      code: 'CLUSTER_MODE_MISMATCH',
      severity: 'critical',
      message: /cluster mode disabled but the inventory says clusterMode: enabled/,
      isConfirmed: true,
    },
    {
      name: 'AUTH disabled on the group while a token is configured is critical',
      observation: { group: { ...GROUP, isAuthTokenEnabled: false } },
      code: 'AUTH_DISABLED',
      severity: 'critical',
      message: /AUTH disabled while the inventory configures an AUTH token/,
      isConfirmed: true,
    },
  ])('$name', ({ policy, observation, code, severity, message, isConfirmed }) => {
    const verdict = decideElastiCacheVerdict({ ...POLICY, ...policy }, observe(observation));

    const reason = verdict.reasons.find((r) => r.code === code);
    expect(reason).toMatchObject({ severity });
    expect(reason?.message).toMatch(message);
    expect(verdict.status).toBe(severity);
    expect(verdict.isConfirmed).toBe(isConfirmed);
  });

  it('does not ask for AUTH on the group when clients log in as an RBAC user', () => {
    const verdict = decideElastiCacheVerdict(
      { ...POLICY, isAuthTokenConfigured: false },
      observe({ group: { ...GROUP, isAuthTokenEnabled: false } }),
    );

    expect(verdict.reasons).toEqual([]);
  });

  it('takes a failover event followed by its completion as settled', () => {
    const verdict = decideElastiCacheVerdict(
      POLICY,
      observe({
        events: [
          event('Test Failover API called for node group 0001', '2026-11-25T06:00:00.000Z'),
          event(
            'Failover from primary node orders-001 to replica node orders-002 completed',
            '2026-11-25T06:00:40.000Z',
          ),
        ],
      }),
    );

    expect(verdict.reasons).toEqual([]);
  });

  it('takes the node recovery after a failover as in progress until it finishes, naming the node', () => {
    const sequence = [
      event('Test Failover API called for node group 0001', '2026-11-25T06:00:00.000Z'),
      event(
        'Failover from master node orders-001 to replica node orders-002 completed',
        '2026-11-25T06:00:40.000Z',
        'orders-002',
      ),
      event('Recovering cache nodes 0001', '2026-11-25T06:01:10.000Z', 'orders-001'),
    ];

    const recovering = decideElastiCacheVerdict(POLICY, observe({ events: sequence }));
    const recovered = decideElastiCacheVerdict(
      POLICY,
      observe({
        events: [
          ...sequence,
          event('Finished recovery for cache nodes 0001', '2026-11-25T06:04:00.000Z', 'orders-001'),
        ],
      }),
    );

    expect(recovering.reasons).toEqual([
      expect.objectContaining({
        code: 'FAILOVER_IN_PROGRESS',
        severity: 'degraded',
        target: 'orders-001',
      }),
    ]);
    expect(recovered.reasons).toEqual([]);
  });

  it('reports every shard primary in cluster mode and names the shard that has none', () => {
    const config = { host: 'carts.xyz.clustercfg.euw1.cache.amazonaws.com', port: 6379 };
    const node = (port: number) => ({ host: '10.0.0.9', port });
    const verdict = decideElastiCacheVerdict(
      { ...POLICY, replicationGroupId: 'carts', clusterMode: 'enabled' },
      observe({
        group: {
          ...GROUP,
          replicationGroupId: 'carts',
          isClusterModeEnabled: true,
          configurationEndpoint: config,
        },
        reader: null,
        shards: [
          shard({
            nodeGroupId: '0001',
            primary: { cacheClusterId: null, endpoint: node(7001) },
            dialled: node(7001),
          }),
          shard({ nodeGroupId: '0002', primary: null, dialled: null, role: null }),
          shard({
            nodeGroupId: '0003',
            primary: { cacheClusterId: 'carts-0003-002', endpoint: node(7003) },
            dialled: node(7003),
          }),
        ],
      }),
    );

    expect(verdict.master).toEqual(config);
    expect(verdict.isConfirmed).toBe(false);
    expect(verdict.shards?.map((s) => [s.nodeGroupId, s.cacheClusterId, s.isConfirmed])).toEqual([
      ['0001', null, true],
      ['0002', null, false],
      ['0003', 'carts-0003-002', true],
    ]);
    expect(verdict.reasons).toEqual([
      expect.objectContaining({
        code: 'FAILOVER_IN_PROGRESS',
        target: '0002',
        severity: 'critical',
      }),
    ]);
  });

  it('names the configuration endpoint when the shards could not be listed', () => {
    const config = { host: 'carts.xyz.clustercfg.euw1.cache.amazonaws.com', port: 6379 };
    const verdict = decideElastiCacheVerdict(
      { ...POLICY, clusterMode: 'enabled' },
      observe({
        group: { ...GROUP, isClusterModeEnabled: true, configurationEndpoint: config },
        reader: null,
        topologyFailure: {
          endpoint: config,
          failure: {
            ok: false,
            failure: 'auth-failed',
            detail: 'WRONGPASS invalid username-password pair',
          },
        },
        shards: [shard({ primary: null, dialled: null, role: null })],
      }),
    );

    expect(verdict.reasons).toEqual([
      expect.objectContaining({
        code: 'AUTH_FAILED',
        severity: 'critical',
        target: `${config.host}:6379`,
        message: expect.stringContaining('configuration endpoint'),
      }),
    ]);
  });
});
