// ElastiCache end to end in the offline deployment: the probe function's deployed middy stack
// (its environment, its SDK clients: ElastiCache reached through AWS_ENDPOINT_URL_ELASTICACHE),
// dynalite as the table, loopback fakes of SSM and SNS, and the ElastiCache fake whose groups
// are real TLS redis-server primaries and replicas. A TestFailover's FailoverComplete
// notification, delivered by SNS to the probe function, publishes master.changed and re-renders
// the parameters; the SYNTHESIZED rotation state machine, its tasks on the rotation function's
// handler, rotates the AUTH token (ROTATE, grace period, SET) and an RBAC user's password
// (ModifyUser with both, then the new alone); the old one is refused by the real nodes at the end.
// The cases share the deployment and run in order.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsElastiCacheApi } from '../../functions/adapters/aws/elasticache-api';
import { EventType } from '../../functions/core/events';
import type { Inventory } from '../../functions/core/inventory';
import { probeFunction } from '../../functions/handlers/probe/index';
import type {
  ProbeNotificationSummary,
  ProbeRequestResponse,
} from '../../functions/handlers/probe/probe-response';
import { PowertoolsLoggerAdapter } from '../../functions/handlers/shared/powertools-logger';
import { inventoryOrThrow } from '../../sandbox/inventory';
import { ElastiCacheFake } from '../support/aws-fakes/elasticache-fake';
import { FAKE_AWS, loopbackClient } from '../support/aws-fakes/loopback';
import { LocalElastiCacheGroup } from '../support/elasticache-group';
import { expectNoSecret } from '../support/secrets';
import { elastiCacheEntry, notificationEvent, withElastiCache } from './elasticache-offline';
import {
  lambdaContext,
  OfflineAws,
  rotationFunction,
  runExecution,
  synthesizedRotationDefinition,
  type AslDefinition,
} from './step-functions-support';

// Made-up test values, never real secrets; within ElastiCache's token rules.
const ORDERS_TOKEN = 'Orders-token-0123456789-abcdef';
const CARTS_TOKEN = 'Carts-token-9876543210-fedcba';
const USERS_PASSWORD = 'users-password-0123456789';
const USER = { userId: 'users-app', userName: 'users-app', password: USERS_PASSWORD };
const GRACE_MS = 1000;
/** Synthesizing the stack, dynalite and three groups (each waits up to 30 s for its nodes). */
const START_MAX_MS = 90_000;
/** The handler's SDK settings: the endpoints come from AWS_ENDPOINT_URL_<SERVICE>. */
const CLIENT = { ...FAKE_AWS, maxAttempts: 3, retryDelayMs: 2 };

let aws: OfflineAws;
let fake: ElastiCacheFake;
/** `orders`: endpoints are fixed names that follow the nodes (ElastiCache's DNS). */
let orders: LocalElastiCacheGroup;
/** `carts`: endpoints are the nodes' own addresses, so a failover changes them. */
let carts: LocalElastiCacheGroup;
/** `users`: RBAC, clients log in as user `users-app`. */
let users: LocalElastiCacheGroup;
let inventory: Inventory;
let definition: AslDefinition;
let probe: ReturnType<typeof probeFunction>;
let savedEnv: NodeJS.ProcessEnv;
const stdout: string[] = [];

const parameters = (group: string) => ({
  [`/e2e/${group}/addr`]: '{{host}}:{{port}}',
  [`/e2e/${group}/reader`]: '{{readerHost}}:{{readerPort}}',
  [`/e2e/${group}/url`]: 'rediss://:{{password}}@{{host}}:{{port}}',
});

beforeAll(async () => {
  definition = synthesizedRotationDefinition();
  [aws, fake] = await Promise.all([
    OfflineAws.start(),
    ElastiCacheFake.start({ modifyingMs: 300 }),
  ]);
  [orders, carts, users] = await Promise.all([
    LocalElastiCacheGroup.start({ replicationGroupId: 'orders', authToken: ORDERS_TOKEN, fake }),
    LocalElastiCacheGroup.start({
      replicationGroupId: 'carts',
      authToken: CARTS_TOKEN,
      endpoints: 'node',
      fake,
    }),
    LocalElastiCacheGroup.start({ replicationGroupId: 'users', user: USER, fake }),
  ]);
  inventory = inventoryOrThrow({
    clusters: [
      elastiCacheEntry(orders, {
        name: 'orders',
        passwordParameter: '/e2e/orders/auth-token',
        platformParameters: parameters('orders'),
        gracePeriod: '1s',
      }),
      elastiCacheEntry(carts, {
        name: 'carts',
        passwordParameter: '/e2e/carts/auth-token',
        platformParameters: parameters('carts'),
      }),
      elastiCacheEntry(users, {
        name: 'users',
        passwordParameter: '/e2e/users/password',
        platformParameters: parameters('users'),
        gracePeriod: '1s',
      }),
    ],
  });
  const deps = quietDeps();
  await deps.parameters.put('/e2e/orders/auth-token', ORDERS_TOKEN, { isSecure: true });
  await deps.parameters.put('/e2e/carts/auth-token', CARTS_TOKEN, { isSecure: true });
  await deps.parameters.put('/e2e/users/password', USERS_PASSWORD, { isSecure: true });
  savedEnv = { ...process.env };
  process.env.AWS_ENDPOINT_URL_SSM = aws.ssm.endpoint;
  process.env.AWS_ENDPOINT_URL_SNS = aws.sns.endpoint;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = aws.dynalite.endpoint;
  process.env.AWS_ENDPOINT_URL_ELASTICACHE = fake.endpoint;
  process.env.POWERTOOLS_SERVICE_NAME = 'redis-ha';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'redis-ha';
  probe = probeFunction({
    env: {
      STATE_TABLE_NAME: aws.settings.stateTable,
      EVENT_TOPIC_ARN: aws.settings.eventTopic,
      KMS_KEY_ID: aws.settings.kmsKey,
      REDIS_HA_INVENTORY: JSON.stringify(inventory),
    },
    client: CLIENT,
  });
}, START_MAX_MS);

afterAll(async () => {
  vi.restoreAllMocks();
  process.env = savedEnv;
  await Promise.all([orders?.stop(), carts?.stop(), users?.stop()]);
  await Promise.all([fake?.stop(), aws?.stop()]);
});

const quietDeps = () =>
  aws.controlDeps(new PowertoolsLoggerAdapter(new PowertoolsLogger({ logLevel: 'SILENT' })));

/** Invokes the probe function, its Powertools output (logs, EMF) kept off the test output. */
async function invokeProbe(event: unknown): Promise<unknown> {
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
  try {
    return await probe(event, lambdaContext(30_000));
  } finally {
    spy.mockRestore();
  }
}

const parameter = (name: string) => aws.ssm.versions(name).at(-1)?.value;
const endpointText = (endpoint: { host: string; port: number }) =>
  `${endpoint.host}:${endpoint.port}`;

function masterChanges(cluster: string) {
  return aws.sns.published
    .filter(
      (m) =>
        m.attributes.type?.stringValue === EventType.masterChanged &&
        m.attributes.cluster?.stringValue === cluster,
    )
    .map((m) => JSON.parse(m.message) as { data: Record<string, unknown> });
}

/** TestFailover through the SDK, and the notification ElastiCache then sends. */
async function testFailover(group: LocalElastiCacheGroup): Promise<string> {
  const notified = new Promise<string>((resolve) =>
    fake.onNotification((message) => {
      if (message.includes(`"${group.replicationGroupId}-`)) resolve(message);
    }),
  );
  const api = new AwsElastiCacheApi({ client: loopbackClient(fake.endpoint) });
  await api.testFailover(group.replicationGroupId, '0001');
  return notified;
}

/** One rotation of `cluster` through the state machine, its handler output kept in `logs`. */
async function rotate(
  cluster: string,
  logs: string[],
  around?: Parameters<typeof runExecution>[3]['around'],
) {
  const fn = rotationFunction({
    inventory,
    aws,
    output: (line) => logs.push(line),
    decorate: (deps) => withElastiCache(deps, fake),
  });
  return runExecution(
    definition,
    {
      cluster,
      rotationId: `e2e-${cluster}`,
      actor: 'test',
      isForced: false,
      gracePeriodMs: GRACE_MS,
    },
    fn.invoke,
    { waitGraceMs: GRACE_MS + 200, retryMs: 100, ...(around ? { around } : {}) },
  );
}

describe('ElastiCache in the offline deployment', () => {
  it('probes every group healthy over TLS and writes their endpoints', async () => {
    const response = (await invokeProbe({
      clusters: ['orders', 'carts', 'users'],
    })) as ProbeRequestResponse;

    expect(
      response.results.map((r) => [r.cluster, r.outcome, 'verdict' in r && r.verdict.status]),
    ).toEqual([
      ['orders', 'reconciled', 'ok'],
      ['carts', 'reconciled', 'ok'],
      ['users', 'reconciled', 'ok'],
    ]);
    for (const group of [orders, carts, users]) {
      const name = group.replicationGroupId;
      expect(parameter(`/e2e/${name}/addr`)).toBe(endpointText(group.primaryEndpoint));
      expect(parameter(`/e2e/${name}/reader`)).toBe(endpointText(group.readerEndpoint));
    }
    expect(aws.ssm.versions('/e2e/orders/url').at(-1)?.type).toBe('SecureString');
  });

  it('acts on a FailoverComplete notification: master.changed names the nodes, the primary endpoint leads to the new primary', async () => {
    const [first, second] = orders.nodes;
    const addrVersions = aws.ssm.versions('/e2e/orders/addr').length;

    const message = await testFailover(orders);
    const summary = (await invokeProbe(notificationEvent(message))) as ProbeNotificationSummary;

    expect(message).toBe('{"ElastiCache:FailoverComplete":"orders-002"}');
    expect(summary.clusters).toEqual([
      expect.objectContaining({
        cluster: 'orders',
        outcome: 'reconciled',
        events: expect.arrayContaining([EventType.masterChanged]),
      }),
    ]);
    expect(masterChanges('orders')).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({
          replicationGroupId: 'orders',
          nodeGroupId: '0001',
          previousCacheClusterId: 'orders-001',
          currentCacheClusterId: 'orders-002',
          primaryEndpoint: endpointText(orders.primaryEndpoint),
        }),
      }),
    ]);
    // ElastiCache's primary endpoint keeps its name: the parameter holds it still, and it leads
    // to the new primary now (a real TLS connection says so).
    expect(parameter('/e2e/orders/addr')).toBe(endpointText(orders.primaryEndpoint));
    expect(aws.ssm.versions('/e2e/orders/addr')).toHaveLength(addrVersions);
    expect(await orders.nodeBehind(orders.primaryEndpoint.port, ORDERS_TOKEN)).toBe(second?.port);
    expect(await orders.nodeBehind(orders.readerEndpoint.port, ORDERS_TOKEN)).toBe(first?.port);
  });

  it('rewrites the parameters to the new primary when the failover changes the endpoint address', async () => {
    const [first, second] = carts.nodes;
    const before = parameter('/e2e/carts/addr');

    const message = await testFailover(carts);
    await invokeProbe(notificationEvent(message));

    expect(before).toBe(`127.0.0.1:${first?.port}`);
    expect(parameter('/e2e/carts/addr')).toBe(`127.0.0.1:${second?.port}`);
    expect(parameter('/e2e/carts/reader')).toBe(`127.0.0.1:${first?.port}`);
    expect(
      parameter('/e2e/carts/url') === `rediss://:${CARTS_TOKEN}@127.0.0.1:${second?.port}`,
    ).toBe(true);
    expect(masterChanges('carts')).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({
          previousCacheClusterId: 'carts-001',
          currentCacheClusterId: 'carts-002',
          current: `127.0.0.1:${second?.port}`,
        }),
      }),
    ]);
  });

  it('rotates the AUTH token through the state machine: ROTATE, grace, SET; the old token is refused at the end', async () => {
    const logs: string[] = [];

    const run = await rotate('orders', logs);
    const newToken = parameter('/e2e/orders/auth-token') ?? '';

    expect(run.failure).toBeUndefined();
    expect(newToken === ORDERS_TOKEN).toBe(false);
    expect(
      fake.requests
        .filter((r) => r.action === 'ModifyReplicationGroup' && r.status === 200)
        .map((r) => [r.params.ReplicationGroupId, r.params.AuthTokenUpdateStrategy]),
    ).toEqual([
      ['orders', 'ROTATE'],
      ['orders', 'SET'],
    ]);
    for (const port of [orders.primaryEndpoint.port, ...orders.nodes.map((n) => n.port)]) {
      expect(await orders.accepts(port, newToken)).toBe(true);
      expect(await orders.accepts(port, ORDERS_TOKEN)).toBe(false);
    }
    expect(
      parameter('/e2e/orders/url') ===
        `rediss://:${newToken}@${endpointText(orders.primaryEndpoint)}`,
    ).toBe(true);
    const rotationEvents = aws.sns.published
      .map((m) => m.attributes.type?.stringValue ?? '')
      .filter((type) => type.startsWith('redis-ha.rotation.'));
    expect(rotationEvents).toEqual(
      expect.arrayContaining(['redis-ha.rotation.succeeded', 'redis-ha.rotation.completed']),
    );
    expect(fake.failures).toEqual([]);
    expectNoSecret([JSON.stringify(run.events), ...logs, ...stdout], {
      'old token': ORDERS_TOKEN,
      'new token': newToken,
    });
  });

  it('rotates an RBAC user password: ModifyUser both, grace, the new alone; a user busy with another change is waited out', async () => {
    const logs: string[] = [];
    const api = new AwsElastiCacheApi({ client: loopbackClient(fake.endpoint) });
    const usersFrom = fake.requests.length;
    let isBusied = false;

    // Someone else's change (the same password again) keeps the user modifying when the
    // rotation first asks for both passwords.
    const run = await rotate('users', logs, async (state, call) => {
      if (state === 'AddPassword' && !isBusied) {
        isBusied = true;
        await api.modifyUserPasswords(USER.userId, [USERS_PASSWORD]);
      }
      return call();
    });
    const newPassword = parameter('/e2e/users/password') ?? '';
    const modifyUsers = fake.requests
      .slice(usersFrom)
      .filter((r) => r.action === 'ModifyUser' && r.status === 200)
      .map((r) => Object.keys(r.params).filter((k) => k.startsWith('Passwords.member.')).length);

    expect(run.failure).toBeUndefined();
    expect(newPassword === USERS_PASSWORD).toBe(false);
    // Ours (one password), then the rotation's: both, and after the grace period the new alone.
    expect(modifyUsers).toEqual([1, 2, 1]);
    expect(
      run.events.some((e) => e.type === 'StateRetried' && e.state?.name === 'AddPassword'),
    ).toBe(true);
    for (const port of [users.primaryEndpoint.port, ...users.nodes.map((n) => n.port)]) {
      expect(await users.accepts(port, newPassword)).toBe(true);
      expect(await users.accepts(port, USERS_PASSWORD)).toBe(false);
    }
    expect((await api.describeUser(USER.userId))?.passwordCount).toBe(1);
    expect(fake.failures).toEqual([]);
    expectNoSecret([JSON.stringify(run.events), ...logs, ...stdout], {
      'old password': USERS_PASSWORD,
      'new password': newPassword,
    });
  });
});
