// What the core needs from the ElastiCache API (issue 12): a replication group's view for the
// probe, its recent events, AUTH token and RBAC password changes, and TestFailover for drills.
// Pure types, the two errors a caller acts on, and a parser of failover event messages: no I/O,
// no clock, no SDK types.
import type { Endpoint } from './endpoint';
import { RedisHaError } from './errors';

/** `CurrentRole` of a node group member, as ElastiCache reports it (cluster mode disabled). */
export type ElastiCacheRole = 'primary' | 'replica';

/** One cache node of a node group (shard). */
export interface ElastiCacheMember {
  readonly cacheClusterId: string;
  readonly cacheNodeId: string;
  /** The node's own endpoint (cluster mode disabled only). */
  readonly readEndpoint?: Endpoint;
  readonly availabilityZone?: string;
  /** Absent with cluster mode enabled: find the primary on the data plane there. */
  readonly currentRole?: ElastiCacheRole;
}

/** One node group: the whole group (`0001`) with cluster mode disabled, one shard enabled. */
export interface ElastiCacheNodeGroup {
  readonly nodeGroupId: string;
  /** creating | available | modifying | deleting */
  readonly status: string;
  readonly primaryEndpoint?: Endpoint;
  readonly readerEndpoint?: Endpoint;
  readonly slots?: string;
  readonly members: readonly ElastiCacheMember[];
}

/** What the probe reads of a replication group (`DescribeReplicationGroups`). */
export interface ElastiCacheGroup {
  readonly replicationGroupId: string;
  /** creating | available | modifying | deleting | create-failed | snapshotting */
  readonly status: string;
  readonly isClusterModeEnabled: boolean;
  /** enabled | disabled | enabling | disabling */
  readonly automaticFailover: string;
  readonly isMultiAz: boolean;
  readonly isTransitEncryptionEnabled: boolean;
  readonly isAuthTokenEnabled: boolean;
  /** A token change ElastiCache is still applying. */
  readonly pendingAuthTokenStatus?: 'SETTING' | 'ROTATING';
  /** Cluster mode enabled: where clients connect. */
  readonly configurationEndpoint?: Endpoint;
  readonly nodeGroups: readonly ElastiCacheNodeGroup[];
}

/** One entry of `DescribeEvents`. */
export interface ElastiCacheEvent {
  readonly sourceIdentifier: string;
  /** replication-group | cache-cluster | user | ... */
  readonly sourceType: string;
  readonly message: string;
  /** ISO 8601. */
  readonly date: string;
}

/** An RBAC user as `DescribeUsers` reports it. */
export interface ElastiCacheUser {
  readonly userId: string;
  /** active | modifying | deleting */
  readonly status: string;
  /** password | no-password | iam */
  readonly authenticationType?: string;
  /** 0, 1 or 2: two while both the old and the new password are valid. */
  readonly passwordCount: number;
}

/** How `ModifyReplicationGroup` applies a new AUTH token: keep the old one valid, or not. */
export type AuthTokenStrategy = 'ROTATE' | 'SET';

/**
 * The ElastiCache control-plane API. Errors are `RedisHaError`s with a stable code; no method
 * ever puts a token or password in an error.
 */
export interface ElastiCacheApi {
  /** Throws `ElastiCacheGroupNotFoundError` when the group does not exist. */
  describeReplicationGroup(replicationGroupId: string): Promise<ElastiCacheGroup>;
  /** Events of the group and of its cache clusters since `since`, oldest first. */
  describeEvents(replicationGroupId: string, since: Date): Promise<ElastiCacheEvent[]>;
  /** `ModifyReplicationGroup` with `AuthToken`, the strategy and `ApplyImmediately`. */
  modifyAuthToken(
    replicationGroupId: string,
    token: string,
    strategy: AuthTokenStrategy,
  ): Promise<void>;
  /** Undefined when the user does not exist. */
  describeUser(userId: string): Promise<ElastiCacheUser | undefined>;
  /**
   * `ModifyUser` with these passwords (one or two). A user still `modifying` throws
   * `ElastiCacheUserBusyError`: wait and retry.
   */
  modifyUserPasswords(userId: string, passwords: readonly string[]): Promise<void>;
  testFailover(replicationGroupId: string, nodeGroupId: string): Promise<void>;
}

/** The ElastiCache API of one Region (clients are per Region; the wiring caches them). */
export type ElastiCacheApiFactory = (region: string) => ElastiCacheApi;

/** The replication group does not exist (in that account and Region). */
export class ElastiCacheGroupNotFoundError extends RedisHaError {
  constructor(readonly replicationGroupId: string) {
    super(
      'ELASTICACHE_GROUP_NOT_FOUND',
      `ElastiCache replication group ${replicationGroupId} not found (check its id and Region)`,
    );
    this.name = 'ElastiCacheGroupNotFoundError';
  }
}

/**
 * The RBAC user is not `active` yet (ElastiCache's `InvalidUserState`, e.g. still `modifying`
 * after the previous change): not a failure, wait with backoff and call again.
 */
export class ElastiCacheUserBusyError extends RedisHaError {
  constructor(readonly userId: string) {
    super(
      'ELASTICACHE_USER_BUSY',
      `ElastiCache user ${userId} is not active yet (InvalidUserState): retry after it is`,
    );
    this.name = 'ElastiCacheUserBusyError';
  }
}

/**
 * The caller's IAM identity may not call this ElastiCache action (`AccessDenied`,
 * `AccessDeniedException`, `UnauthorizedOperation`). Never retried: asking again cannot help.
 */
export class ElastiCacheAccessDeniedError extends RedisHaError {
  constructor(
    /** The API operation, e.g. `DescribeReplicationGroups`. */
    readonly operation: string,
    /** The IAM action to grant, e.g. `elasticache:DescribeReplicationGroups`. */
    readonly action: string,
    /** The principal AWS named in its message, when it did. */
    readonly principal: string | undefined,
    /** The service's error code. */
    readonly errorName: string,
  ) {
    super(
      'ELASTICACHE_ACCESS_DENIED',
      `ElastiCache ${operation} was denied (${errorName}): ${principal ?? 'the caller'} needs IAM permission ${action}`,
    );
    this.name = 'ElastiCacheAccessDeniedError';
  }
}

/** ElastiCache kept throttling the call after the SDK's own retries (`Throttling`, ...). */
export class ElastiCacheThrottledError extends RedisHaError {
  constructor(
    readonly operation: string,
    readonly errorName: string,
  ) {
    super(
      'ELASTICACHE_THROTTLED',
      `ElastiCache ${operation} was throttled (${errorName}) after the SDK's retries: the next probe asks again`,
    );
    this.name = 'ElastiCacheThrottledError';
  }
}

// "User: arn:aws:iam::1:user/bob is not authorized to perform: elasticache:DescribeEvents on
// resource: ... because no identity-based policy allows ..." (IAM's wording for Query APIs).
const DENIED_PRINCIPAL = /\bUser:\s*(\S+?)\s+is not authorized/i;
const DENIED_ACTION = /\bperform:\s*([a-z0-9-]+:[A-Za-z0-9*]+)/i;

/** The principal and action an AccessDenied message names, as far as it names them. */
export function parseAccessDenied(message: string): {
  readonly principal?: string;
  readonly action?: string;
} {
  const principal = DENIED_PRINCIPAL.exec(message)?.[1];
  const action = DENIED_ACTION.exec(message)?.[1];
  return { ...(principal ? { principal } : {}), ...(action ? { action } : {}) };
}

/** A failover told by an event message; node ids as written in it. */
export interface FailoverMessage {
  /** Absent in the older "Failover to replica node X completed" wording. */
  readonly fromNode?: string;
  readonly toNode: string;
}

// Wordings seen in AWS docs: "Failover from primary node X to replica node Y completed" (the
// TestFailover page), "... complete" (older pages), "Failover to replica node X completed" (the
// SNS event table). Case and a trailing period are tolerated.
const FAILOVER_FROM_TO =
  /^\s*failover\s+from\s+primary\s+node\s+(\S+?)\s+to\s+replica\s+node\s+(\S+?)\s+complete(?:d)?\.?\s*$/i;
const FAILOVER_TO = /^\s*failover\s+to\s+replica\s+node\s+(\S+?)\s+complete(?:d)?\.?\s*$/i;

/** The failover an ElastiCache event message reports, or undefined when it reports none. */
export function parseFailoverMessage(message: string): FailoverMessage | undefined {
  const fromTo = FAILOVER_FROM_TO.exec(message);
  if (fromTo?.[1] && fromTo[2]) return { fromNode: fromTo[1], toNode: fromTo[2] };
  const to = FAILOVER_TO.exec(message);
  if (to?.[1]) return { toNode: to[1] };
  return undefined;
}
