// AwsElastiCacheApi: the exact inputs sent and the mapping of realistic SDK shapes
// (aws-sdk-client-mock), then the real SDK client against a loopback awsQuery fake of ElastiCache:
// XML parsing, a throttled call retried, faults parsed to their classes, no token in any error.
import {
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  InvalidParameterValueException,
  InvalidUserStateFault,
  ModifyReplicationGroupCommand,
  ModifyUserCommand,
  ReplicationGroupNotFoundFault,
  TestFailoverCommand,
  UserNotFoundFault,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsElastiCacheApi } from '../../functions/adapters/aws/elasticache-api';
import {
  ElastiCacheAccessDeniedError,
  ElastiCacheGroupNotFoundError,
  ElastiCacheThrottledError,
  ElastiCacheUserBusyError,
  type ElastiCacheGroup,
} from '../../functions/core/elasticache';
import { ElastiCacheFake } from '../support/aws-fakes/elasticache-fake';
import { loopbackClient } from '../support/aws-fakes/loopback';

// Made-up test values, never real secrets.
const TOKEN = 'Rotate-me-0123456789-abcdef';
const OLD_PASSWORD = 'old-password-0123456789';
const NEW_PASSWORD = 'new-password-9876543210';

const HOST = 'orders.abc123.ng.0001.euw1.cache.amazonaws.com';

/** A cluster-mode-disabled group with one primary and two replicas, as the SDK returns it. */
const SINGLE_SHARD: ReplicationGroup = {
  ReplicationGroupId: 'orders',
  Description: 'orders cache',
  Status: 'available',
  PendingModifiedValues: {},
  MemberClusters: ['orders-001', 'orders-002', 'orders-003'],
  NodeGroups: [
    {
      NodeGroupId: '0001',
      Status: 'available',
      PrimaryEndpoint: { Address: `master.${HOST}`, Port: 6379 },
      ReaderEndpoint: { Address: `replica.${HOST}`, Port: 6379 },
      NodeGroupMembers: [
        {
          CacheClusterId: 'orders-001',
          CacheNodeId: '0001',
          ReadEndpoint: { Address: `orders-001.${HOST}`, Port: 6379 },
          PreferredAvailabilityZone: 'eu-west-1a',
          CurrentRole: 'primary',
        },
        {
          CacheClusterId: 'orders-002',
          CacheNodeId: '0001',
          ReadEndpoint: { Address: `orders-002.${HOST}`, Port: 6379 },
          PreferredAvailabilityZone: 'eu-west-1b',
          CurrentRole: 'replica',
        },
        {
          CacheClusterId: 'orders-003',
          CacheNodeId: '0001',
          ReadEndpoint: { Address: `orders-003.${HOST}`, Port: 6379 },
          PreferredAvailabilityZone: 'eu-west-1c',
          CurrentRole: 'replica',
        },
      ],
    },
  ],
  AutomaticFailover: 'enabled',
  MultiAZ: 'enabled',
  ClusterEnabled: false,
  ClusterMode: 'disabled',
  CacheNodeType: 'cache.r7g.large',
  AuthTokenEnabled: true,
  AuthTokenLastModifiedDate: new Date('2026-10-01T00:00:00.000Z'),
  TransitEncryptionEnabled: true,
  TransitEncryptionMode: 'required',
  AtRestEncryptionEnabled: true,
  Engine: 'redis',
  ARN: 'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:orders',
};

/** IAM's wording of a denied Query API call. */
const DENIED_MESSAGE =
  'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: elasticache:DescribeReplicationGroups on resource: arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:orders because no identity-based policy allows the elasticache:DescribeReplicationGroups action';

const SHARDED_HOST = 'carts.xyz789.clustercfg.euw1.cache.amazonaws.com';

/** A cluster-mode-enabled group with three shards of two nodes, modifying a token. */
const THREE_SHARDS: ReplicationGroup = {
  ReplicationGroupId: 'carts',
  Status: 'modifying',
  PendingModifiedValues: { AuthTokenStatus: 'ROTATING' },
  MemberClusters: ['0001', '0002', '0003'].flatMap((s) => [`carts-${s}-001`, `carts-${s}-002`]),
  NodeGroups: (
    [
      ['0001', '0-5461'],
      ['0002', '5462-10922'],
      ['0003', '10923-16383'],
    ] as const
  ).map(([id, slots]) => ({
    NodeGroupId: id,
    Status: 'available',
    Slots: slots,
    NodeGroupMembers: ['001', '002'].map((n) => ({
      CacheClusterId: `carts-${id}-${n}`,
      CacheNodeId: '0001',
      PreferredAvailabilityZone: n === '001' ? 'eu-west-1a' : 'eu-west-1b',
    })),
  })),
  AutomaticFailover: 'enabled',
  MultiAZ: 'disabled',
  ConfigurationEndpoint: { Address: SHARDED_HOST, Port: 6379 },
  ClusterEnabled: true,
  ClusterMode: 'enabled',
  AuthTokenEnabled: true,
  TransitEncryptionEnabled: true,
  Engine: 'valkey',
};

const SINGLE_SHARD_VIEW: ElastiCacheGroup = {
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
      primaryEndpoint: { host: `master.${HOST}`, port: 6379 },
      readerEndpoint: { host: `replica.${HOST}`, port: 6379 },
      members: [
        ['orders-001', 'eu-west-1a', 'primary'],
        ['orders-002', 'eu-west-1b', 'replica'],
        ['orders-003', 'eu-west-1c', 'replica'],
      ].map(([id, az, role]) => ({
        cacheClusterId: id as string,
        cacheNodeId: '0001',
        readEndpoint: { host: `${id}.${HOST}`, port: 6379 },
        availabilityZone: az as string,
        currentRole: role as 'primary' | 'replica',
      })),
    },
  ],
};

const THREE_SHARDS_VIEW: ElastiCacheGroup = {
  replicationGroupId: 'carts',
  status: 'modifying',
  isClusterModeEnabled: true,
  automaticFailover: 'enabled',
  isMultiAz: false,
  isTransitEncryptionEnabled: true,
  isAuthTokenEnabled: true,
  pendingAuthTokenStatus: 'ROTATING',
  configurationEndpoint: { host: SHARDED_HOST, port: 6379 },
  nodeGroups: [
    ['0001', '0-5461'],
    ['0002', '5462-10922'],
    ['0003', '10923-16383'],
  ].map(([id, slots]) => ({
    nodeGroupId: id as string,
    status: 'available',
    slots: slots as string,
    members: ['001', '002'].map((n) => ({
      cacheClusterId: `carts-${id}-${n}`,
      cacheNodeId: '0001',
      availabilityZone: n === '001' ? 'eu-west-1a' : 'eu-west-1b',
    })),
  })),
};

describe('AwsElastiCacheApi inputs and mapping', () => {
  // One mocked instance, not the class: the loopback tests below need the real `send`.
  const client = new ElastiCacheClient({ region: 'eu-west-1' });
  const elasticache = mockClient(client);
  const api = () => new AwsElastiCacheApi({ elasticache: client });
  beforeEach(() => elasticache.reset());

  it('maps a cluster-mode-disabled group with its primary, replicas and endpoints', async () => {
    elasticache
      .on(DescribeReplicationGroupsCommand)
      .resolves({ ReplicationGroups: [SINGLE_SHARD] });

    const group = await api().describeReplicationGroup('orders');

    expect(group).toEqual(SINGLE_SHARD_VIEW);
    expect(elasticache).toHaveReceivedCommandWith(DescribeReplicationGroupsCommand, {
      ReplicationGroupId: 'orders',
    });
  });

  it('maps a cluster-mode-enabled group with three shards and a pending token rotation', async () => {
    elasticache
      .on(DescribeReplicationGroupsCommand)
      .resolves({ ReplicationGroups: [THREE_SHARDS] });

    expect(await api().describeReplicationGroup('carts')).toEqual(THREE_SHARDS_VIEW);
  });

  it('names the group when it does not exist', async () => {
    elasticache.on(DescribeReplicationGroupsCommand).rejects(
      new ReplicationGroupNotFoundFault({
        message: 'ReplicationGroup nope not found.',
        $metadata: { httpStatusCode: 404 },
      }),
    );

    const failure = api().describeReplicationGroup('nope');

    await expect(failure).rejects.toBeInstanceOf(ElastiCacheGroupNotFoundError);
    await expect(failure).rejects.toMatchObject({
      code: 'ELASTICACHE_GROUP_NOT_FOUND',
      replicationGroupId: 'nope',
      message: expect.stringContaining('replication group nope not found'),
    });
  });

  it.each(['ROTATE', 'SET'] as const)(
    'sends the token with strategy %s, applied immediately',
    async (strategy) => {
      elasticache.on(ModifyReplicationGroupCommand).resolves({});

      await api().modifyAuthToken('orders', TOKEN, strategy);

      expect(elasticache).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 1);
      expect(elasticache.commandCalls(ModifyReplicationGroupCommand)[0]?.args[0].input).toEqual({
        ReplicationGroupId: 'orders',
        AuthToken: TOKEN,
        AuthTokenUpdateStrategy: strategy,
        ApplyImmediately: true,
      });
    },
  );

  it('redacts the token a refused ModifyReplicationGroup echoes, and chains no cause', async () => {
    elasticache.on(ModifyReplicationGroupCommand).rejects(
      new InvalidParameterValueException({
        message: `Invalid AuthToken provided: ${TOKEN}`,
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = await errorOf(api().modifyAuthToken('orders', TOKEN, 'ROTATE'));

    expect(error).toMatchObject({
      code: 'AWS_ELASTICACHE_FAILED',
      errorName: 'InvalidParameterValueException',
      httpStatusCode: 400,
    });
    expect(error.message).toContain('ModifyReplicationGroup group orders (AuthToken ROTATE)');
    expect(error.cause).toBeUndefined();
    expect(`${error.message} ${error.stack ?? ''} ${JSON.stringify(error)}`).not.toContain(TOKEN);
  });

  it('sends both passwords to ModifyUser and reports a user still modifying as busy', async () => {
    elasticache
      .on(ModifyUserCommand)
      .rejectsOnce(
        new InvalidUserStateFault({
          message: 'The user is not in active state.',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .resolves({});

    const busy = await errorOf(api().modifyUserPasswords('app-user', [OLD_PASSWORD, NEW_PASSWORD]));
    await api().modifyUserPasswords('app-user', [OLD_PASSWORD, NEW_PASSWORD]);

    expect(busy).toBeInstanceOf(ElastiCacheUserBusyError);
    expect(busy).toMatchObject({ code: 'ELASTICACHE_USER_BUSY', userId: 'app-user' });
    expect(elasticache.commandCalls(ModifyUserCommand).map((c) => c.args[0].input)).toEqual([
      { UserId: 'app-user', Passwords: [OLD_PASSWORD, NEW_PASSWORD] },
      { UserId: 'app-user', Passwords: [OLD_PASSWORD, NEW_PASSWORD] },
    ]);
  });

  it('refuses to send no password or more than two', async () => {
    await expect(api().modifyUserPasswords('app-user', [])).rejects.toThrow(/one or two/);
    await expect(api().modifyUserPasswords('app-user', ['a', 'b', 'c'])).rejects.toThrow(
      /one or two/,
    );
    expect(elasticache).not.toHaveReceivedCommand(ModifyUserCommand);
  });

  it('reads a user status and password count, and a missing user as undefined', async () => {
    elasticache
      .on(DescribeUsersCommand, { UserId: 'app-user' })
      .resolves({
        Users: [
          {
            UserId: 'app-user',
            UserName: 'app',
            Status: 'modifying',
            Engine: 'redis',
            AccessString: 'on ~* +@all',
            Authentication: { Type: 'password', PasswordCount: 2 },
          },
        ],
      })
      .on(DescribeUsersCommand, { UserId: 'gone' })
      .rejects(new UserNotFoundFault({ message: 'User gone not found', $metadata: {} }));

    expect(await api().describeUser('app-user')).toEqual({
      userId: 'app-user',
      status: 'modifying',
      authenticationType: 'password',
      passwordCount: 2,
    });
    expect(await api().describeUser('gone')).toBeUndefined();
  });

  it('reads group and member cluster events since a time, oldest first', async () => {
    const since = new Date('2026-11-25T06:00:00.000Z');
    elasticache
      .on(DescribeEventsCommand, { SourceType: 'replication-group' })
      .resolves({
        Events: [
          {
            SourceIdentifier: 'orders',
            SourceType: 'replication-group',
            Message: 'Failover from primary node orders-001 to replica node orders-002 completed',
            Date: new Date('2026-11-25T06:05:00.000Z'),
          },
        ],
      })
      .on(DescribeEventsCommand, { SourceType: 'cache-cluster' })
      .resolvesOnce({
        Events: [
          {
            SourceIdentifier: 'orders-001',
            SourceType: 'cache-cluster',
            Message: 'Finished recovery for cache nodes 0001',
            Date: new Date('2026-11-25T06:09:00.000Z'),
          },
          {
            SourceIdentifier: 'orders-eu-001',
            SourceType: 'cache-cluster',
            Message: 'Recovering cache nodes 0001',
            Date: new Date('2026-11-25T06:06:00.000Z'),
          },
          {
            SourceIdentifier: 'ordersbis-001',
            SourceType: 'cache-cluster',
            Message: 'Recovering cache nodes 0001',
            Date: new Date('2026-11-25T06:07:00.000Z'),
          },
        ],
        Marker: 'page-2',
      })
      .resolves({
        Events: [
          {
            SourceIdentifier: 'orders-002',
            SourceType: 'cache-cluster',
            Message: 'Failover from primary node orders-001 to replica node orders-002 completed',
            Date: new Date('2026-11-25T06:04:59.000Z'),
          },
        ],
      });

    const events = await api().describeEvents('orders', since);

    expect(events.map((e) => [e.sourceIdentifier, e.date])).toEqual([
      ['orders-002', '2026-11-25T06:04:59.000Z'],
      ['orders', '2026-11-25T06:05:00.000Z'],
      ['orders-001', '2026-11-25T06:09:00.000Z'],
    ]);
    expect(elasticache.commandCalls(DescribeEventsCommand).map((c) => c.args[0].input)).toEqual([
      {
        SourceType: 'replication-group',
        SourceIdentifier: 'orders',
        StartTime: since,
        MaxRecords: 100,
      },
      { SourceType: 'cache-cluster', StartTime: since, MaxRecords: 100 },
      { SourceType: 'cache-cluster', StartTime: since, MaxRecords: 100, Marker: 'page-2' },
    ]);
  });

  it.each(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation'])(
    'turns %s into an access-denied error naming the permission and the principal',
    async (name) => {
      elasticache.on(DescribeReplicationGroupsCommand).rejects(
        Object.assign(new Error(DENIED_MESSAGE), {
          name,
          $fault: 'client',
          $metadata: { httpStatusCode: 403 },
        }),
      );

      const error = await errorOf(api().describeReplicationGroup('orders'));

      expect(error).toBeInstanceOf(ElastiCacheAccessDeniedError);
      expect(error).toMatchObject({
        code: 'ELASTICACHE_ACCESS_DENIED',
        operation: 'DescribeReplicationGroups',
        action: 'elasticache:DescribeReplicationGroups',
        principal: 'arn:aws:iam::123456789012:user/ops',
        errorName: name,
      });
      expect(error.message).toBe(
        `ElastiCache DescribeReplicationGroups was denied (${name}): arn:aws:iam::123456789012:user/ops needs IAM permission elasticache:DescribeReplicationGroups`,
      );
      expect(elasticache).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 1);
    },
  );

  it('names the operation as the permission when the denial does not say which', async () => {
    elasticache
      .on(DescribeEventsCommand)
      .rejects(
        Object.assign(new Error('Access denied'), { name: 'AccessDeniedException', $metadata: {} }),
      );

    const error = await errorOf(api().describeEvents('orders', new Date(0)));

    expect(error).toMatchObject({ action: 'elasticache:DescribeEvents', principal: undefined });
    expect(error.message).toContain('the caller needs IAM permission elasticache:DescribeEvents');
  });

  it.each(['Throttling', 'ThrottlingException', 'RequestLimitExceeded'])(
    'turns %s that outlived the SDK retries into a throttled error',
    async (name) => {
      elasticache
        .on(DescribeReplicationGroupsCommand)
        .rejects(
          Object.assign(new Error('Rate exceeded'), { name, $metadata: { httpStatusCode: 400 } }),
        );

      const error = await errorOf(api().describeReplicationGroup('orders'));

      expect(error).toBeInstanceOf(ElastiCacheThrottledError);
      expect(error).toMatchObject({
        code: 'ELASTICACHE_THROTTLED',
        operation: 'DescribeReplicationGroups',
        errorName: name,
      });
    },
  );

  it('asks for a test failover of one node group', async () => {
    elasticache.on(TestFailoverCommand).resolves({});

    await api().testFailover('carts', '0002');

    expect(elasticache).toHaveReceivedCommandWith(TestFailoverCommand, {
      ReplicationGroupId: 'carts',
      NodeGroupId: '0002',
    });
  });
});

describe('AwsElastiCacheApi through the SDK (loopback ElastiCache)', () => {
  let fake: ElastiCacheFake;
  beforeEach(async () => {
    fake = await ElastiCacheFake.start();
    fake.groups.set('orders', SINGLE_SHARD_VIEW);
    fake.groups.set('carts', THREE_SHARDS_VIEW);
  });
  afterEach(() => fake.stop());

  const api = (maxAttempts = 3) =>
    new AwsElastiCacheApi({ client: loopbackClient(fake.endpoint, maxAttempts) });

  it('parses DescribeReplicationGroups XML for both cluster modes', async () => {
    expect(await api().describeReplicationGroup('orders')).toEqual(SINGLE_SHARD_VIEW);
    expect(await api().describeReplicationGroup('carts')).toEqual(THREE_SHARDS_VIEW);
    expect(fake.requests.map((r) => [r.action, r.params.ReplicationGroupId])).toEqual([
      ['DescribeReplicationGroups', 'orders'],
      ['DescribeReplicationGroups', 'carts'],
    ]);
  });

  it('retries a throttled call (400 Throttling) and then succeeds', async () => {
    fake.failNext(1, { status: 400, code: 'Throttling', message: 'Rate exceeded' });

    expect(await api().describeReplicationGroup('orders')).toEqual(SINGLE_SHARD_VIEW);
    expect(fake.requests.map((r) => r.status)).toEqual([400, 200]);
  });

  it('gives up on a call throttled at every attempt after the SDK retries, as a throttled error', async () => {
    fake.failNext(3, { status: 400, code: 'Throttling', message: 'Rate exceeded' });

    const error = await errorOf(api(3).describeReplicationGroup('orders'));

    expect(error).toBeInstanceOf(ElastiCacheThrottledError);
    expect(fake.requests.map((r) => r.status)).toEqual([400, 400, 400]);
  });

  it('sends a denied call once (no retry) and names the permission from the XML error', async () => {
    fake.failNext(1, { status: 403, code: 'AccessDenied', message: DENIED_MESSAGE });

    const error = await errorOf(api(3).describeReplicationGroup('orders'));

    expect(error).toBeInstanceOf(ElastiCacheAccessDeniedError);
    expect(error.message).toContain(
      'arn:aws:iam::123456789012:user/ops needs IAM permission elasticache:DescribeReplicationGroups',
    );
    expect(fake.requests.map((r) => [r.action, r.status])).toEqual([
      ['DescribeReplicationGroups', 403],
    ]);
  });

  it('reports a missing group by name', async () => {
    await expect(api().describeReplicationGroup('nope')).rejects.toMatchObject({
      code: 'ELASTICACHE_GROUP_NOT_FOUND',
      replicationGroupId: 'nope',
    });
  });

  it('sends the token form-encoded and moves the group to modifying, ROTATING', async () => {
    await api().modifyAuthToken('orders', TOKEN, 'ROTATE');

    expect(fake.requests[0]?.params).toMatchObject({
      Action: 'ModifyReplicationGroup',
      ReplicationGroupId: 'orders',
      AuthToken: TOKEN,
      AuthTokenUpdateStrategy: 'ROTATE',
      ApplyImmediately: 'true',
    });
    expect(await api().describeReplicationGroup('orders')).toMatchObject({
      status: 'modifying',
      pendingAuthTokenStatus: 'ROTATING',
    });
  });

  it('parses InvalidReplicationGroupState as InvalidReplicationGroupStateFault, token-free', async () => {
    const error = await errorOf(api().modifyAuthToken('carts', TOKEN, 'SET'));

    expect(error).toMatchObject({
      code: 'AWS_ELASTICACHE_FAILED',
      errorName: 'InvalidReplicationGroupStateFault',
      httpStatusCode: 400,
      message: expect.stringContaining('not in the available state'),
    });
    expect(fake.requests.map((r) => r.status)).toEqual([400]);
    expect(`${error.message} ${error.stack ?? ''} ${JSON.stringify(error)}`).not.toContain(TOKEN);
  });

  it('parses InvalidUserState from the wire as a busy user, not a failure', async () => {
    fake.failNext(1, {
      status: 400,
      code: 'InvalidUserState',
      message: 'The user is not in active state.',
    });

    const busy = await errorOf(api().modifyUserPasswords('app-user', [OLD_PASSWORD, NEW_PASSWORD]));

    expect(busy).toBeInstanceOf(ElastiCacheUserBusyError);
    expect(fake.requests.map((r) => [r.action, r.status])).toEqual([['ModifyUser', 400]]);
    expect(fake.requests[0]?.params).toMatchObject({
      UserId: 'app-user',
      'Passwords.member.1': OLD_PASSWORD,
      'Passwords.member.2': NEW_PASSWORD,
    });
  });

  it('keeps passwords a refused ModifyUser echoes out of the error', async () => {
    fake.failNext(1, {
      status: 400,
      code: 'InvalidParameterValue',
      message: `Passwords ${OLD_PASSWORD},${NEW_PASSWORD} are invalid`,
    });

    const error = await errorOf(
      api().modifyUserPasswords('app-user', [OLD_PASSWORD, NEW_PASSWORD]),
    );

    expect(error).toMatchObject({ errorName: 'InvalidParameterValueException' });
    const text = `${error.message} ${error.stack ?? ''} ${JSON.stringify(error)}`;
    expect(text).not.toContain(OLD_PASSWORD);
    expect(text).not.toContain(NEW_PASSWORD);
  });

  it('keeps a token the service echoes out of the error', async () => {
    const badToken = `${TOKEN} with spaces`;

    const error = await errorOf(api().modifyAuthToken('orders', badToken, 'ROTATE'));

    expect(error).toMatchObject({ errorName: 'InvalidParameterValueException' });
    expect(error.message).toContain('Invalid AuthToken provided: ***');
    expect(error.cause).toBeUndefined();
    expect(`${error.message} ${error.stack ?? ''} ${JSON.stringify(error)}`).not.toContain(TOKEN);
  });
});

/** What `promise` rejected with; fails the test when it resolves. */
async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
