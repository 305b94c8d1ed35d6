// reconcileCluster for a `kind: elasticache` group: the ElastiCache API is aws-sdk-client-mock
// behind the real adapter (realistic DescribeReplicationGroups/DescribeEvents shapes), the data
// plane is a real TLS redis-server primary and replica whose ports the mocked endpoints name.
import {
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
} from '@aws-sdk/client-elasticache';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reconcileCluster } from '../../functions/control/reconcile';
import {
  awsError,
  elastiCacheCluster,
  mockedElastiCache,
  singleShardGroup,
  type LocalMember,
} from '../support/elasticache-groups';
import { makeCa, makeServerCertificate, type TestServerCertificate } from '../support/certificates';
import { expectNoSecret } from '../support/secrets';
import {
  controlDepsFor,
  Harness,
  PASSWORD,
  PASSWORD_PARAMETER,
  type Topology,
} from '../support/topology';

const certificates = new Harness();
const harness = new Harness();
let certificate: TestServerCertificate;

beforeAll(() => {
  const dir = certificates.tempDir();
  certificate = makeServerCertificate(dir, makeCa(dir, 'elasticache'), ['IP:127.0.0.1']);
});
afterAll(() => certificates.cleanup());

const elasticache = mockedElastiCache();
beforeEach(() => elasticache.mock.reset());
afterEach(() => harness.cleanup());

const DENIED =
  'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: elasticache:DescribeReplicationGroups on resource: arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:orders because no identity-based policy allows the elasticache:DescribeReplicationGroups action';

async function setUp() {
  const topology: Topology = await harness.topology({
    tls: certificate,
    replicas: 1,
    sentinels: 0,
  });
  const [master, replica] = topology.nodes;
  if (!master || !replica) throw new Error('no nodes');
  const backend = harness.backend();
  await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  const cluster = elastiCacheCluster({ tls: { caFile: certificate.caFile } });
  const deps = controlDepsFor(backend, { elasticache: elasticache.factory });
  const members: LocalMember[] = [
    { id: 'orders-001', port: master.port, role: 'primary' },
    { id: 'orders-002', port: replica.port, role: 'replica' },
  ];
  elasticache.mock
    .on(DescribeReplicationGroupsCommand)
    .resolves({ ReplicationGroups: [singleShardGroup(members)] })
    .on(DescribeEventsCommand)
    .resolves({ Events: [] });
  const param = async (name: string) => (await backend.parameters.get(name))?.value;
  return {
    topology,
    master,
    replica,
    members,
    backend,
    deps,
    param,
    cluster,
    reconcile: () => reconcileCluster(cluster, deps),
  };
}

const codes = (report: { verdict: { reasons: readonly { code: string }[] } }) =>
  [...new Set(report.verdict.reasons.map((r) => r.code))].sort();

describe('reconcile an ElastiCache replication group', () => {
  it('confirms a healthy group over TLS, writes the parameters from its endpoints and records the primary', async () => {
    const { master, replica, backend, deps, param, reconcile } = await setUp();

    const report = await reconcile();

    expect(report.verdict).toMatchObject({
      status: 'ok',
      reasons: [],
      isConfirmed: true,
      master: { host: '127.0.0.1', port: master.port },
      shards: [{ nodeGroupId: '0001', cacheClusterId: 'orders-001', isConfirmed: true }],
    });
    expect(await param('/test/app/addr')).toBe(`127.0.0.1:${master.port}`);
    expect(await param('/test/app/reader')).toBe(`127.0.0.1:${replica.port}`);
    expect(await param('/test/app/group')).toBe('orders|true');
    expect(await param('/test/app/url')).toBe(`rediss://:${PASSWORD}@127.0.0.1:${master.port}`);
    const state = await backend.state.getClusterState('test');
    expect(state?.shards).toEqual({
      '0001': { cacheClusterId: 'orders-001', endpoint: `127.0.0.1:${master.port}` },
    });
    expect(state?.eventsReadUntil).toEqual(expect.any(String));
    expect(elasticache.mock).toHaveReceivedCommandWith(DescribeReplicationGroupsCommand, {
      ReplicationGroupId: 'orders',
    });
    // Events of the group and of its cache clusters, from an hour back at the first probe.
    const starts = elasticache.mock
      .commandCalls(DescribeEventsCommand)
      .map((c) => c.args[0].input.StartTime as Date);
    expect(starts).toHaveLength(2);
    for (const start of starts) expect(start.getTime()).toBeLessThan(Date.now() - 59 * 60_000);
    expect(report.events).toEqual([]);
    expectNoSecret([JSON.stringify(report), deps.log.text()], { password: PASSWORD });
  });

  it('publishes master.changed with node ids and endpoints when the primary changed between probes, and rewrites the parameters', async () => {
    const { topology, master, replica, backend, param, reconcile } = await setUp();
    await reconcile();

    // A failover as ElastiCache makes it: the replica promoted, the old primary following it,
    // the primary endpoint's DNS record moved, the API's roles swapped and an event recorded.
    await topology.call(replica.port, 'node', 'REPLICAOF', 'NO', 'ONE');
    await topology.call(master.port, 'node', 'REPLICAOF', '127.0.0.1', String(replica.port));
    elasticache.mock
      .on(DescribeReplicationGroupsCommand)
      .resolves({
        ReplicationGroups: [
          singleShardGroup([
            { id: 'orders-002', port: replica.port, role: 'primary' },
            { id: 'orders-001', port: master.port, role: 'replica' },
          ]),
        ],
      })
      .on(DescribeEventsCommand, { SourceType: 'replication-group' })
      .resolves({
        Events: [
          {
            SourceIdentifier: 'orders',
            SourceType: 'replication-group',
            Message: 'Failover from primary node orders-001 to replica node orders-002 completed',
            Date: new Date(),
          },
        ],
      });

    const report = await reconcile();

    expect(report.verdict).toMatchObject({ status: 'ok', isConfirmed: true });
    expect(report.events.map((e) => e.type)).toEqual(['redis-ha.master.changed']);
    expect(report.events[0]?.data).toEqual({
      cluster: 'test',
      masterName: 'orders',
      replicationGroupId: 'orders',
      nodeGroupId: '0001',
      previous: `127.0.0.1:${master.port}`,
      current: `127.0.0.1:${replica.port}`,
      previousCacheClusterId: 'orders-001',
      currentCacheClusterId: 'orders-002',
      primaryEndpoint: `127.0.0.1:${replica.port}`,
    });
    expect([...report.parametersWritten].sort()).toEqual([
      '/test/app/addr',
      '/test/app/reader',
      '/test/app/url',
    ]);
    expect(await param('/test/app/addr')).toBe(`127.0.0.1:${replica.port}`);
    expect(await param('/test/app/reader')).toBe(`127.0.0.1:${master.port}`);
    expect((await backend.state.getClusterState('test'))?.shards?.['0001']).toEqual({
      cacheClusterId: 'orders-002',
      endpoint: `127.0.0.1:${replica.port}`,
    });
    expect(backend.events.list({ limit: 10 }).map((e) => e.event.type)).toEqual([
      'redis-ha.master.changed',
    ]);

    // The next probe sees the same primary: nothing more to publish.
    expect((await reconcile()).events).toEqual([]);
  });

  it('reports a group that is modifying as degraded, still confirmed, and names its status', async () => {
    const { members, reconcile } = await setUp();
    elasticache.mock.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [
        singleShardGroup(members, {
          Status: 'modifying',
          PendingModifiedValues: { AuthTokenStatus: 'ROTATING' },
        }),
      ],
    });

    const report = await reconcile();

    expect(report.verdict).toMatchObject({ status: 'degraded', isConfirmed: true });
    expect(report.verdict.reasons).toEqual([
      expect.objectContaining({
        code: 'GROUP_NOT_AVAILABLE',
        severity: 'degraded',
        message:
          'replication group orders is modifying, not available (AUTH token change ROTATING)',
      }),
    ]);
  });

  it('reports throttling as degraded, dials nothing and keeps the last primary', async () => {
    const { backend, reconcile } = await setUp();
    await reconcile();
    const before = await backend.state.getClusterState('test');
    elasticache.mock
      .on(DescribeReplicationGroupsCommand)
      .rejects(awsError('Throttling', 'Rate exceeded'));

    const report = await reconcile();

    expect(report.verdict).toMatchObject({ status: 'degraded', isConfirmed: false, master: null });
    expect(codes(report)).toEqual(['API_THROTTLED']);
    expect(report.parametersWritten).toEqual([]);
    expect((await backend.state.getClusterState('test'))?.shards).toEqual(before?.shards);
  });

  it('reports AccessDenied as critical naming the permission and principal, with one call per probe', async () => {
    const { reconcile, param } = await setUp();
    elasticache.mock
      .on(DescribeReplicationGroupsCommand)
      .rejects(awsError('AccessDenied', DENIED, 403));

    const report = await reconcile();

    expect(report.verdict).toMatchObject({ status: 'critical', isConfirmed: false });
    expect(report.verdict.reasons).toEqual([
      {
        code: 'ACCESS_DENIED',
        severity: 'critical',
        target: 'DescribeReplicationGroups',
        message:
          'ElastiCache DescribeReplicationGroups was denied (AccessDenied): arn:aws:iam::123456789012:user/ops needs IAM permission elasticache:DescribeReplicationGroups',
      },
    ]);
    expect(elasticache.mock).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 1);
    expect(await param('/test/app/addr')).toBeUndefined();
  });

  it('reports without acting when read-only: no parameter, event or state written', async () => {
    const { backend, cluster, deps, param } = await setUp();

    const report = await reconcileCluster(cluster, deps, { isReadOnly: true });

    expect(report.verdict).toMatchObject({ status: 'ok', isConfirmed: true });
    expect(report.parametersWritten).toEqual([]);
    expect(await param('/test/app/addr')).toBeUndefined();
    expect(await backend.state.getClusterState('test')).toBeUndefined();
  });

  it('asks the API nothing and commits nothing when aborted before it starts', async () => {
    const { backend, cluster, deps } = await setUp();
    const controller = new AbortController();
    controller.abort();

    await expect(
      reconcileCluster(cluster, deps, { signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(elasticache.mock).not.toHaveReceivedCommand(DescribeReplicationGroupsCommand);
    expect(await backend.state.getClusterState('test')).toBeUndefined();
  });

  it('refuses clearly when the deployment has no ElastiCache client', async () => {
    const { cluster, deps } = await setUp();

    await expect(reconcileCluster(cluster, { ...deps, elasticache: undefined })).rejects.toThrow(
      'test: no ElastiCache API client is configured in this deployment',
    );
  });
});
