// The real SDK client (AwsElastiCacheApi) against the loopback ElastiCache fake whose group is
// backed by real redis-server processes serving TLS: a TestFailover moves the primary role and
// the primary endpoint, AUTH token ROTATE and SET change what the nodes accept, RBAC passwords
// likewise, and a user still modifying is busy. What test/handlers/elasticache-e2e.test.ts and
// the demo stand on.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsElastiCacheApi } from '../../functions/adapters/aws/elasticache-api';
import {
  ElastiCacheGroupBusyError,
  ElastiCacheUserBusyError,
  parseFailoverMessage,
  type ElastiCacheGroup,
} from '../../functions/core/elasticache';
import type { ElastiCacheFakeOptions } from '../support/aws-fakes/elasticache-fake';
import { loopbackClient } from '../support/aws-fakes/loopback';
import { makeCa, makeServerCertificate, type TestServerCertificate } from '../support/certificates';
import {
  LocalElastiCacheGroup,
  type LocalElastiCacheGroupOptions,
} from '../support/elasticache-group';
import { eventually, Harness } from '../support/topology';

// Made-up test values, never real secrets; within ElastiCache's token and password rules.
const OLD_TOKEN = 'Old-token-0123456789-abcdef';
const NEW_TOKEN = 'New-token-9876543210-&#$^<>';
const OLD_PASSWORD = 'old-password-0123456789';
const NEW_PASSWORD = 'new-password-9876543210';
const USER = { userId: 'orders-app', userName: 'orders-app', password: OLD_PASSWORD };

const certificates = new Harness();
let certificate: TestServerCertificate;
const groups: LocalElastiCacheGroup[] = [];

beforeAll(() => {
  const dir = certificates.tempDir();
  certificate = makeServerCertificate(dir, makeCa(dir, 'elasticache'), ['IP:127.0.0.1']);
});
afterEach(async () => {
  await Promise.all(groups.splice(0).map((g) => g.stop()));
});
afterAll(() => certificates.cleanup());

async function startGroup(
  options: Partial<LocalElastiCacheGroupOptions> & { fakeOptions?: ElastiCacheFakeOptions } = {},
) {
  const group = await LocalElastiCacheGroup.start({
    replicationGroupId: 'orders',
    certificate,
    ...options,
  });
  groups.push(group);
  const api = new AwsElastiCacheApi({ client: loopbackClient(group.fake.endpoint) });
  return { group, api };
}

const primaryOf = (view: ElastiCacheGroup) =>
  view.nodeGroups[0]?.members.find((m) => m.currentRole === 'primary')?.cacheClusterId;

describe('a fake ElastiCache group on local TLS redis-server processes', () => {
  it('moves CurrentRole and the primary endpoint to the replica on TestFailover, and tells it in events and a notification', async () => {
    const { group, api } = await startGroup({ authToken: OLD_TOKEN });
    const since = new Date(Date.now() - 1000);
    const before = await api.describeReplicationGroup('orders');
    const [first, second] = group.nodes;
    if (!first || !second) throw new Error('expected two nodes');
    const endpoints = before.nodeGroups[0];
    if (!endpoints?.primaryEndpoint || !endpoints.readerEndpoint) throw new Error('no endpoints');
    expect(primaryOf(before)).toBe('orders-001');
    expect(await group.nodeBehind(endpoints.primaryEndpoint.port, OLD_TOKEN)).toBe(first.port);

    await api.testFailover('orders', '0001');
    const after = await eventually(async () => {
      const view = await api.describeReplicationGroup('orders');
      return view.nodeGroups[0]?.status === 'available' && primaryOf(view) === 'orders-002'
        ? view
        : undefined;
    }, 'orders-002 to be primary');

    expect(after.nodeGroups[0]?.members.map((m) => [m.cacheClusterId, m.currentRole])).toEqual([
      ['orders-001', 'replica'],
      ['orders-002', 'primary'],
    ]);
    // The endpoints keep their address (a DNS name) and lead to the other node now.
    expect(after.nodeGroups[0]?.primaryEndpoint).toEqual(endpoints.primaryEndpoint);
    expect(await group.nodeBehind(endpoints.primaryEndpoint.port, OLD_TOKEN)).toBe(second.port);
    expect(await group.nodeBehind(endpoints.readerEndpoint.port, OLD_TOKEN)).toBe(first.port);
    const failovers = (await api.describeEvents('orders', since)).events
      .map((e) => parseFailoverMessage(e.message))
      .filter((f) => f !== undefined);
    expect(failovers).toContainEqual({ fromNode: 'orders-001', toNode: 'orders-002' });
    expect(group.fake.notifications).toEqual(['{"ElastiCache:FailoverComplete":"orders-002"}']);
  });

  it('reports the nodes own addresses as endpoints in node mode, so a failover changes them', async () => {
    const { group, api } = await startGroup({ authToken: OLD_TOKEN, endpoints: 'node' });
    const [first, second] = group.nodes;
    const endpointsOf = async () => {
      const nodeGroup = (await api.describeReplicationGroup('orders')).nodeGroups[0];
      return [nodeGroup?.primaryEndpoint?.port, nodeGroup?.readerEndpoint?.port];
    };
    const before = await endpointsOf();

    await group.failover();

    expect(before).toEqual([first?.port, second?.port]);
    expect(await endpointsOf()).toEqual([second?.port, first?.port]);
    expect(await group.nodeBehind(group.primaryEndpoint.port, OLD_TOKEN)).toBe(second?.port);
  });

  it('keeps old and new token valid on the nodes after ROTATE, only the new one after SET', async () => {
    const { group, api } = await startGroup({
      authToken: OLD_TOKEN,
      fakeOptions: { modifyingMs: 200 },
    });
    const { primaryEndpoint } = group;
    const settled = () =>
      eventually(
        async () => (await api.describeReplicationGroup('orders')).status === 'available',
        'the group to be available',
      );

    await api.modifyAuthToken('orders', NEW_TOKEN, 'ROTATE');
    const modifying = await api.describeReplicationGroup('orders');
    await settled();
    const rotated = await Promise.all(
      [OLD_TOKEN, NEW_TOKEN].map((token) => group.accepts(primaryEndpoint.port, token)),
    );
    await api.modifyAuthToken('orders', NEW_TOKEN, 'SET');
    await settled();

    expect(modifying).toMatchObject({ status: 'modifying', pendingAuthTokenStatus: 'ROTATING' });
    expect(rotated).toEqual([true, true]);
    for (const node of group.nodes) {
      expect(await group.accepts(node.port, NEW_TOKEN)).toBe(true);
      expect(await group.accepts(node.port, OLD_TOKEN)).toBe(false);
    }
    expect(await api.describeReplicationGroup('orders')).not.toHaveProperty(
      'pendingAuthTokenStatus',
    );
    // Replication logs in with the new token: a failover after SET still completes.
    await group.failover();
    expect(await group.nodeBehind(primaryEndpoint.port, NEW_TOKEN)).toBe(group.nodes[1]?.port);
    expect(group.fake.failures).toEqual([]);
  });

  it('refuses a token outside the rules, and a change while the group is modifying as busy', async () => {
    const { api } = await startGroup({ authToken: OLD_TOKEN });

    const tooShort = api.modifyAuthToken('orders', 'Short-token-1', 'ROTATE');
    await expect(tooShort).rejects.toMatchObject({ errorName: 'InvalidParameterValueException' });
    await api.modifyAuthToken('orders', NEW_TOKEN, 'ROTATE');
    const again = api.modifyAuthToken('orders', NEW_TOKEN, 'SET');

    // InvalidReplicationGroupStateFault: a group still applying a change, to wait out.
    await expect(again).rejects.toBeInstanceOf(ElastiCacheGroupBusyError);
  });

  it('leaves access without AUTH open after a ROTATE on a group that had no token, as ElastiCache does', async () => {
    const { group, api } = await startGroup({ fakeOptions: { modifyingMs: 50 } });
    const port = group.primaryEndpoint.port;
    const settled = () =>
      eventually(
        async () => (await api.describeReplicationGroup('orders')).status === 'available',
        'the group to be available',
      );
    const before = await api.describeReplicationGroup('orders');

    await api.modifyAuthToken('orders', NEW_TOKEN, 'ROTATE');
    await settled();
    const afterRotate = [
      await group.acceptsWithoutAuth(port),
      await group.accepts(port, NEW_TOKEN),
    ];
    await api.modifyAuthToken('orders', NEW_TOKEN, 'SET');
    await settled();

    expect(before.isAuthTokenEnabled).toBe(false);
    expect(afterRotate).toEqual([true, true]);
    expect(await group.acceptsWithoutAuth(port)).toBe(false);
    expect(await group.accepts(port, NEW_TOKEN)).toBe(true);
  });

  it('applies an RBAC user two passwords, then one, and reports it busy while modifying', async () => {
    const { group, api } = await startGroup({ user: USER, fakeOptions: { modifyingMs: 200 } });
    const port = group.primaryEndpoint.port;
    const active = () =>
      eventually(
        async () => (await api.describeUser(USER.userId))?.status === 'active',
        'the user to be active',
      );

    await api.modifyUserPasswords(USER.userId, [OLD_PASSWORD, NEW_PASSWORD]);
    const busy = api.modifyUserPasswords(USER.userId, [NEW_PASSWORD]);
    await expect(busy).rejects.toBeInstanceOf(ElastiCacheUserBusyError);
    const modifying = await api.describeUser(USER.userId);
    await active();
    const both = [await group.accepts(port, OLD_PASSWORD), await group.accepts(port, NEW_PASSWORD)];
    const twoPasswords = await api.describeUser(USER.userId);
    await api.modifyUserPasswords(USER.userId, [NEW_PASSWORD]);
    await active();

    expect(modifying).toMatchObject({ status: 'modifying' });
    expect(both).toEqual([true, true]);
    expect(twoPasswords).toEqual({
      userId: USER.userId,
      status: 'active',
      authenticationType: 'password',
      passwordCount: 2,
    });
    expect(await group.accepts(port, OLD_PASSWORD)).toBe(false);
    expect(await group.accepts(port, NEW_PASSWORD)).toBe(true);
    expect((await api.describeUser(USER.userId))?.passwordCount).toBe(1);
    expect(
      group.fake.requests.filter((r) => r.action === 'ModifyUser').map((r) => r.status),
    ).toEqual([200, 400, 200]);
  });
});
