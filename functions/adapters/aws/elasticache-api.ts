// ElastiCacheApi on the ElastiCache API (SDK v3): maps the SDK's replication groups, events and
// users to the core's view, and its faults to errors a caller acts on. Never puts an AUTH token or
// a password in an error (messages redacted, the SDK error not chained for those calls).
import {
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  ModifyReplicationGroupCommand,
  ModifyUserCommand,
  TestFailoverCommand,
  type Endpoint as SdkEndpoint,
  type Event as SdkEvent,
  type NodeGroup,
  type ReplicationGroup,
  type SourceType,
  type User,
} from '@aws-sdk/client-elasticache';
import {
  ElastiCacheAccessDeniedError,
  ElastiCacheGroupNotFoundError,
  ElastiCacheThrottledError,
  ElastiCacheUserBusyError,
  parseAccessDenied,
  type AuthTokenStrategy,
  type ElastiCacheApi,
  type ElastiCacheEvent,
  type ElastiCacheGroup,
  type ElastiCacheNodeGroup,
  type ElastiCacheUser,
} from '../../core/elasticache';
import { isMemberOf } from '../../core/elasticache-node-ids';
import type { Endpoint } from '../../core/endpoint';
import { RedisHaError } from '../../core/errors';
import { awsCallError, awsClientConfig, errorName, type AwsClientOptions } from './aws-clients';

/** DescribeEvents pages read per source type before giving up (100 events a page). */
const MAX_EVENT_PAGES = 10;

/** Error codes AWS uses when the caller's IAM identity may not call the action. */
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
/** Throttling codes; the SDK has retried these already when they reach us. */
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded']);

export interface ElastiCacheApiOptions {
  /** A client to use as is (shared, or mocked in tests); else one is built from `client`. */
  readonly elasticache?: ElastiCacheClient;
  /** How to build the client when `elasticache` is not given. */
  readonly client?: AwsClientOptions;
}

export class AwsElastiCacheApi implements ElastiCacheApi {
  private readonly elasticache: ElastiCacheClient;

  constructor(options: ElastiCacheApiOptions = {}) {
    this.elasticache =
      options.elasticache ?? new ElastiCacheClient(awsClientConfig(options.client));
  }

  async describeReplicationGroup(replicationGroupId: string): Promise<ElastiCacheGroup> {
    try {
      const output = await this.elasticache.send(
        new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
      );
      const group = output.ReplicationGroups?.find(
        (g) => g.ReplicationGroupId === replicationGroupId,
      );
      if (!group) throw new ElastiCacheGroupNotFoundError(replicationGroupId);
      return toGroup(group, replicationGroupId);
    } catch (error) {
      throw this.failure('DescribeReplicationGroups', `group ${replicationGroupId}`, error, {
        replicationGroupId,
      });
    }
  }

  async describeEvents(replicationGroupId: string, since: Date): Promise<ElastiCacheEvent[]> {
    // Failovers are reported on the group; node replacement and recovery on its cache clusters,
    // which ElastiCache names `<group>-NNN` (or `<group>-NNNN-NNN` with cluster mode enabled).
    const groupEvents = await this.eventsOf('replication-group', replicationGroupId, since);
    const clusterEvents = (await this.eventsOf('cache-cluster', undefined, since)).filter((e) =>
      isMemberOf(e.sourceIdentifier, replicationGroupId),
    );
    return [...groupEvents, ...clusterEvents].sort((a, b) => a.date.localeCompare(b.date));
  }

  async modifyAuthToken(
    replicationGroupId: string,
    token: string,
    strategy: AuthTokenStrategy,
  ): Promise<void> {
    try {
      await this.elasticache.send(
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: replicationGroupId,
          AuthToken: token,
          AuthTokenUpdateStrategy: strategy,
          ApplyImmediately: true,
        }),
      );
    } catch (error) {
      throw this.failure(
        'ModifyReplicationGroup',
        `group ${replicationGroupId} (AuthToken ${strategy})`,
        error,
        { replicationGroupId, secrets: [token] },
      );
    }
  }

  async describeUser(userId: string): Promise<ElastiCacheUser | undefined> {
    try {
      const output = await this.elasticache.send(new DescribeUsersCommand({ UserId: userId }));
      const user = output.Users?.find((u) => u.UserId === userId);
      return user ? toUser(user, userId) : undefined;
    } catch (error) {
      if (errorName(error) === 'UserNotFoundFault') return undefined;
      throw this.failure('DescribeUsers', `user ${userId}`, error, {});
    }
  }

  async modifyUserPasswords(userId: string, passwords: readonly string[]): Promise<void> {
    if (passwords.length < 1 || passwords.length > 2) {
      throw new RedisHaError(
        'BAD_INPUT',
        `ElastiCache user ${userId}: ModifyUser takes one or two passwords, got ${passwords.length}`,
      );
    }
    try {
      await this.elasticache.send(
        new ModifyUserCommand({ UserId: userId, Passwords: [...passwords] }),
      );
    } catch (error) {
      if (errorName(error) === 'InvalidUserStateFault') throw new ElastiCacheUserBusyError(userId);
      throw this.failure('ModifyUser', `user ${userId}`, error, { secrets: passwords });
    }
  }

  async testFailover(replicationGroupId: string, nodeGroupId: string): Promise<void> {
    try {
      await this.elasticache.send(
        new TestFailoverCommand({
          ReplicationGroupId: replicationGroupId,
          NodeGroupId: nodeGroupId,
        }),
      );
    } catch (error) {
      throw this.failure(
        'TestFailover',
        `group ${replicationGroupId} node group ${nodeGroupId}`,
        error,
        { replicationGroupId },
      );
    }
  }

  private async eventsOf(
    sourceType: SourceType,
    sourceIdentifier: string | undefined,
    since: Date,
  ): Promise<ElastiCacheEvent[]> {
    const events: ElastiCacheEvent[] = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_EVENT_PAGES; page++) {
      let output;
      try {
        output = await this.elasticache.send(
          new DescribeEventsCommand({
            SourceType: sourceType,
            ...(sourceIdentifier ? { SourceIdentifier: sourceIdentifier } : {}),
            StartTime: since,
            MaxRecords: 100,
            ...(marker ? { Marker: marker } : {}),
          }),
        );
      } catch (error) {
        throw this.failure('DescribeEvents', `${sourceType} ${sourceIdentifier ?? '*'}`, error, {});
      }
      for (const event of output.Events ?? []) {
        const mapped = toEvent(event);
        if (mapped) events.push(mapped);
      }
      marker = output.Marker;
      if (!marker) break;
    }
    return events;
  }

  private failure(
    operation: string,
    target: string,
    error: unknown,
    context: { readonly replicationGroupId?: string; readonly secrets?: readonly string[] },
  ): RedisHaError {
    if (error instanceof RedisHaError) return error;
    const name = errorName(error);
    if (context.replicationGroupId && name === 'ReplicationGroupNotFoundFault') {
      return new ElastiCacheGroupNotFoundError(context.replicationGroupId);
    }
    // Stable errors the probe turns into reasons. The SDK's standard retry never retries an
    // AccessDenied (not transient) and has already retried throttling with backoff; nothing here
    // retries again, so a denied or throttled caller sends one request (or the SDK's attempts).
    if (ACCESS_DENIED.has(name)) {
      const denied = parseAccessDenied(error instanceof Error ? error.message : '');
      return new ElastiCacheAccessDeniedError(
        operation,
        denied.action ?? `elasticache:${operation}`,
        denied.principal,
        name,
      );
    }
    if (THROTTLED.has(name)) return new ElastiCacheThrottledError(operation, name);
    return awsCallError('ElastiCache', operation, target, error, context.secrets);
  }
}

function toGroup(group: ReplicationGroup, replicationGroupId: string): ElastiCacheGroup {
  const pending = group.PendingModifiedValues?.AuthTokenStatus;
  const configurationEndpoint = toEndpoint(group.ConfigurationEndpoint);
  return {
    replicationGroupId,
    status: group.Status ?? 'unknown',
    isClusterModeEnabled: group.ClusterEnabled === true,
    automaticFailover: group.AutomaticFailover ?? 'disabled',
    isMultiAz: group.MultiAZ === 'enabled',
    isTransitEncryptionEnabled: group.TransitEncryptionEnabled === true,
    isAuthTokenEnabled: group.AuthTokenEnabled === true,
    ...(pending === 'SETTING' || pending === 'ROTATING' ? { pendingAuthTokenStatus: pending } : {}),
    ...(configurationEndpoint ? { configurationEndpoint } : {}),
    nodeGroups: (group.NodeGroups ?? []).map(toNodeGroup),
  };
}

function toNodeGroup(nodeGroup: NodeGroup): ElastiCacheNodeGroup {
  const primaryEndpoint = toEndpoint(nodeGroup.PrimaryEndpoint);
  const readerEndpoint = toEndpoint(nodeGroup.ReaderEndpoint);
  return {
    nodeGroupId: nodeGroup.NodeGroupId ?? '',
    status: nodeGroup.Status ?? 'unknown',
    ...(primaryEndpoint ? { primaryEndpoint } : {}),
    ...(readerEndpoint ? { readerEndpoint } : {}),
    ...(nodeGroup.Slots ? { slots: nodeGroup.Slots } : {}),
    members: (nodeGroup.NodeGroupMembers ?? []).map((member) => {
      const readEndpoint = toEndpoint(member.ReadEndpoint);
      const role = member.CurrentRole;
      return {
        cacheClusterId: member.CacheClusterId ?? '',
        cacheNodeId: member.CacheNodeId ?? '',
        ...(readEndpoint ? { readEndpoint } : {}),
        ...(member.PreferredAvailabilityZone
          ? { availabilityZone: member.PreferredAvailabilityZone }
          : {}),
        ...(role === 'primary' || role === 'replica' ? { currentRole: role } : {}),
      };
    }),
  };
}

function toEndpoint(endpoint: SdkEndpoint | undefined): Endpoint | undefined {
  return endpoint?.Address && endpoint.Port
    ? { host: endpoint.Address, port: endpoint.Port }
    : undefined;
}

function toEvent(event: SdkEvent): ElastiCacheEvent | undefined {
  if (!event.SourceIdentifier || !event.Date) return undefined;
  return {
    sourceIdentifier: event.SourceIdentifier,
    sourceType: event.SourceType ?? 'unknown',
    message: event.Message ?? '',
    date: event.Date.toISOString(),
  };
}

function toUser(user: User, userId: string): ElastiCacheUser {
  return {
    userId,
    status: user.Status ?? 'unknown',
    ...(user.Authentication?.Type ? { authenticationType: user.Authentication.Type } : {}),
    passwordCount: user.Authentication?.PasswordCount ?? 0,
  };
}
