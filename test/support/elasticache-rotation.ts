// ElastiCache rotation tests' world: one real redis-server speaking TLS only (a test CA) stands
// for a replication group's primary, and an aws-sdk-client-mock of the ElastiCache client stands
// for its control plane. The mock applies what a call asks to the real server through an admin
// user (ROTATE: `ACL SETUSER default >new`; SET: `... resetpass >new`; ModifyUser:
// `ACL SETUSER <user> resetpass >p1 [>p2]`), then reports the group or user `modifying` for a
// few describes, so a real AUTH decides what is accepted and refused.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeReplicationGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  InvalidReplicationGroupStateFault,
  InvalidUserStateFault,
  ModifyReplicationGroupCommand,
  ModifyUserCommand,
  type ModifyReplicationGroupCommandInput,
  type ModifyUserCommandInput,
  type ReplicationGroup,
  type User,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { Redis } from 'ioredis';
import { AwsElastiCacheApi } from '../../functions/adapters/aws/elasticache-api';
import type { ElastiCacheApiFactory } from '../../functions/core/elasticache';
import {
  freePorts,
  killAndWait,
  spawnTracked,
  assertRedisServerInstalled,
} from '../../sandbox/topology';
import type { ChildProcess } from 'node:child_process';
import type { TestServerCertificate } from './certificates';
import { eventually } from './topology';

export const REGION = 'eu-west-1';
export const GROUP_ID = 'orders';
/** Made-up test secrets, never real ones. */
export const OLD_TOKEN = 'Old-Token-0123456789-abcdef&#$';
export const APP_USER = 'app-user';
const ADMIN_PASSWORD = 'Admin-Only-For-The-Fake-Control-Plane-42';

/** One redis-server with TLS only, its `default` user on `OLD_TOKEN`, `app-user` on the same. */
export class TlsRedis {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly certificate: TestServerCertificate,
  ) {}

  static async start(dir: string, certificate: TestServerCertificate): Promise<TlsRedis> {
    assertRedisServerInstalled();
    const [port] = await freePorts(1);
    const data = join(dir, `redis-${port}`);
    mkdirSync(data, { recursive: true });
    const config = join(data, 'redis.conf');
    writeFileSync(
      config,
      [
        'port 0',
        `tls-port ${port}`,
        'bind 127.0.0.1',
        `tls-cert-file ${certificate.certFile}`,
        `tls-key-file ${certificate.keyFile}`,
        `tls-ca-cert-file ${certificate.caFile}`,
        'tls-auth-clients no',
        `dir ${data}`,
        'save ""',
        'appendonly no',
        `user default on >${OLD_TOKEN} ~* &* +@all`,
        `user ${APP_USER} on >${OLD_TOKEN} ~* &* +@all`,
        `user admin on >${ADMIN_PASSWORD} ~* &* +@all`,
      ].join('\n') + '\n',
      { mode: 0o600 },
    );
    const child = spawnTracked('redis-server', [config]);
    const redis = new TlsRedis(port as number, child, certificate);
    try {
      await eventually(() => redis.accepts('admin', ADMIN_PASSWORD), `redis-server on ${port}`);
    } catch (error) {
      await redis.stop();
      throw error;
    }
    return redis;
  }

  /** Whether AUTH `username` (none: `default`) with `password` and PING succeed, over TLS. */
  async accepts(username: string | undefined, password: string): Promise<boolean> {
    const client = this.client(username, password);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }

  /** Runs `command` as the admin user: the fake control plane applying a change. */
  async admin(command: readonly string[]): Promise<void> {
    const client = this.client('admin', ADMIN_PASSWORD);
    try {
      await client.connect();
      const [name, ...args] = command;
      await client.call(name as string, ...args);
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    await killAndWait(this.child);
  }

  private client(username: string | undefined, password: string): Redis {
    const client = new Redis({
      host: '127.0.0.1',
      port: this.port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableReadyCheck: false,
      connectTimeout: 2000,
      tls: { ca: readFileSync(this.certificate.caFile, 'utf8'), servername: 'localhost' },
      ...(username ? { username } : {}),
      password,
    });
    client.on('error', () => undefined);
    return client;
  }
}

export interface FakeGroupOptions {
  /** DescribeReplicationGroups answers `modifying` this many times after a change. */
  readonly modifyingDescribes?: number;
  /** DescribeUsers answers `modifying` this many times after a change. */
  readonly modifyingUserDescribes?: number;
  readonly isAuthTokenEnabled?: boolean;
}

/**
 * The mocked ElastiCache client over `redis`. Each ModifyReplicationGroup or ModifyUser is
 * applied to the real server at once; `busyModifyUsers` makes the next ModifyUser calls fail
 * with InvalidUserState first (the user still `modifying`).
 */
export class FakeElastiCache {
  readonly mock = mockClient(ElastiCacheClient);
  /** ModifyUser calls still to refuse with InvalidUserState. */
  busyModifyUsers = 0;
  /** ModifyReplicationGroup calls still to refuse with InvalidReplicationGroupState. */
  failModifyGroups = 0;
  private describesModifying = 0;
  private userDescribesModifying = 0;
  private passwordCount = 1;

  constructor(
    private readonly redis: TlsRedis,
    private readonly options: FakeGroupOptions = {},
  ) {
    const mock = this.mock;
    mock.on(DescribeReplicationGroupsCommand).callsFake(() => {
      const isModifying = this.describesModifying > 0;
      if (isModifying) this.describesModifying -= 1;
      return { ReplicationGroups: [this.group(isModifying)] };
    });
    mock
      .on(ModifyReplicationGroupCommand)
      .callsFake(async (input: ModifyReplicationGroupCommandInput) => {
        if (this.failModifyGroups > 0) {
          this.failModifyGroups -= 1;
          throw new InvalidReplicationGroupStateFault({
            message: `Replication group ${GROUP_ID} is not in available state.`,
            $metadata: { httpStatusCode: 400 },
          });
        }
        const token = input.AuthToken ?? '';
        await this.redis.admin(
          input.AuthTokenUpdateStrategy === 'ROTATE'
            ? ['ACL', 'SETUSER', 'default', `>${token}`]
            : ['ACL', 'SETUSER', 'default', 'resetpass', `>${token}`],
        );
        this.describesModifying = this.options.modifyingDescribes ?? 2;
        return { ReplicationGroup: this.group(true) };
      });
    mock.on(DescribeUsersCommand).callsFake(() => {
      const isModifying = this.userDescribesModifying > 0;
      if (isModifying) this.userDescribesModifying -= 1;
      return { Users: [this.user(isModifying)] };
    });
    mock.on(ModifyUserCommand).callsFake(async (input: ModifyUserCommandInput) => {
      if (this.busyModifyUsers > 0) {
        this.busyModifyUsers -= 1;
        throw new InvalidUserStateFault({
          message: `User ${APP_USER} is not in active state.`,
          $metadata: { httpStatusCode: 400 },
        });
      }
      const passwords = input.Passwords ?? [];
      await this.redis.admin([
        'ACL',
        'SETUSER',
        APP_USER,
        'resetpass',
        ...passwords.map((p) => `>${p}`),
      ]);
      this.passwordCount = passwords.length;
      this.userDescribesModifying = this.options.modifyingUserDescribes ?? 2;
      return { ...this.user(true) };
    });
  }

  /** The ElastiCache API (the real adapter) on the mocked client, for `ControlDeps`. */
  factory(): ElastiCacheApiFactory {
    const api = new AwsElastiCacheApi({
      elasticache: new ElastiCacheClient({
        region: REGION,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
      }),
    });
    return () => api;
  }

  /** The inputs of every ModifyReplicationGroup call, in order. */
  modifyGroupInputs(): ModifyReplicationGroupCommandInput[] {
    return this.mock.commandCalls(ModifyReplicationGroupCommand).map((call) => call.args[0].input);
  }

  /** The inputs of every ModifyUser call, in order (refused ones too). */
  modifyUserInputs(): ModifyUserCommandInput[] {
    return this.mock.commandCalls(ModifyUserCommand).map((call) => call.args[0].input);
  }

  restore(): void {
    this.mock.restore();
  }

  /** A cluster-mode-disabled group of a primary and a replica, shaped as the API answers. */
  private group(isModifying: boolean): ReplicationGroup {
    const primary = { Address: '127.0.0.1', Port: this.redis.port };
    return {
      ReplicationGroupId: GROUP_ID,
      Description: 'orders cache (test)',
      Status: isModifying ? 'modifying' : 'available',
      PendingModifiedValues: isModifying ? { AuthTokenStatus: 'ROTATING' } : {},
      MemberClusters: [`${GROUP_ID}-001`, `${GROUP_ID}-002`],
      NodeGroups: [
        {
          NodeGroupId: '0001',
          Status: isModifying ? 'modifying' : 'available',
          PrimaryEndpoint: primary,
          ReaderEndpoint: { Address: 'localhost', Port: this.redis.port },
          NodeGroupMembers: [
            {
              CacheClusterId: `${GROUP_ID}-001`,
              CacheNodeId: '0001',
              ReadEndpoint: primary,
              PreferredAvailabilityZone: 'eu-west-1a',
              CurrentRole: 'primary',
            },
          ],
        },
      ],
      AutomaticFailover: 'enabled',
      MultiAZ: 'enabled',
      ClusterEnabled: false,
      ClusterMode: 'disabled',
      AuthTokenEnabled: this.options.isAuthTokenEnabled ?? true,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      Engine: 'redis',
      ARN: `arn:aws:elasticache:${REGION}:123456789012:replicationgroup:${GROUP_ID}`,
    };
  }

  private user(isModifying: boolean): User {
    return {
      UserId: APP_USER,
      UserName: APP_USER,
      Status: isModifying ? 'modifying' : 'active',
      Engine: 'redis',
      AccessString: 'on ~* +@all',
      UserGroupIds: ['orders-users'],
      Authentication: { Type: 'password', PasswordCount: this.passwordCount },
      ARN: `arn:aws:elasticache:${REGION}:123456789012:user:${APP_USER}`,
    };
  }
}
