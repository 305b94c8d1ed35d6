// What a probe saw: raw answers from each sentinel and from the master (or, for ElastiCache,
// the API's view and the endpoints' answers), as plain data.
// Produced by a RedisGateway adapter, consumed by the verdict. No I/O here.
import type { ElastiCacheEvent, ElastiCacheGroup } from './elasticache';
import type { Endpoint } from './endpoint';

/** Why a call to a sentinel or data node produced no answer. */
export const FailureKind = {
  unreachable: 'unreachable',
  timeout: 'timeout',
  authFailed: 'auth-failed',
  /** The TLS handshake failed: certificate not trusted, wrong name, or no TLS on the port. */
  tlsFailed: 'tls-failed',
  error: 'error',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

export interface Failure {
  readonly ok: false;
  readonly failure: FailureKind;
  /** Error text from the server or the socket; never holds a secret. */
  readonly detail: string;
}

/** A replica as one sentinel knows it (`SENTINEL REPLICAS`). */
export interface SentinelReplica {
  readonly endpoint: Endpoint;
  readonly flags: readonly string[];
  readonly masterLinkStatus: string;
  /**
   * `role-reported`: the role the node's INFO replies give the sentinel. A replica record starts
   * as `slave` until the first INFO reply says otherwise.
   */
  readonly roleReported?: 'master' | 'slave';
  /** `role-reported-time`: milliseconds since the sentinel saw that role first (or made the record). */
  readonly roleReportedMs?: number;
  /** `runid`: empty until the sentinel has had an INFO reply from the node. */
  readonly runId?: string;
}

/** One sentinel's answers about the monitored master. */
export interface SentinelView {
  readonly ok: true;
  /** `SENTINEL GET-MASTER-ADDR-BY-NAME`; null when it does not monitor that name. */
  readonly masterAddress: Endpoint | null;
  /** Flags of `SENTINEL MASTER` (`master`, `s_down`, `o_down`, `failover_in_progress`, ...). */
  readonly masterFlags: readonly string[];
  /**
   * Address of the `SENTINEL MASTER` record the flags describe. While a failover reconfigures
   * replicas, GET-MASTER-ADDR-BY-NAME already names the promoted replica but the record (and
   * its o_down flag) is still the old master's.
   */
  readonly recordAddress: Endpoint | null;
  readonly configEpoch: number;
  readonly numOtherSentinels: number;
  readonly quorum: number;
  /** `SENTINEL CKQUORUM`: null when it answered OK, else its error text. */
  readonly quorumError: string | null;
  readonly replicas: readonly SentinelReplica[];
  /** `INFO` `sentinel_tilt:1`: the sentinel paused itself after a clock jump or a stall. */
  readonly isTilt?: boolean;
  /**
   * `SENTINEL MASTERS` names, asked only when GET-MASTER-ADDR-BY-NAME returned nil, so that a
   * mistyped `masterName` can be told what the sentinel does monitor.
   */
  readonly monitoredMasters?: readonly string[];
}

export type SentinelAnswer = SentinelView | Failure;

/** A replica as the master reports it in `ROLE`. */
export interface AttachedReplica {
  readonly endpoint: Endpoint;
  readonly offset: number;
}

/** The data node's own answer to `ROLE`. */
export interface NodeRole {
  readonly ok: true;
  readonly role: 'master' | 'slave' | 'sentinel';
  /** Master: its replication offset. Replica: the offset it has processed. */
  readonly offset: number;
  /** Master only: replicas connected to it, with their acknowledged offsets. */
  readonly replicas: readonly AttachedReplica[];
  /** Replica only: the master it follows and the state of its link. */
  readonly masterEndpoint?: Endpoint;
  readonly linkState?: string;
}

export type NodeAnswer = NodeRole | Failure;

/** A data node other than the candidate, as the sentinels announce it, and its `ROLE`. */
export interface DataNodeObservation {
  readonly endpoint: Endpoint;
  readonly answer: NodeAnswer;
}

/** A password parameter the inventory names but the parameter store does not hold. */
export interface MissingPassword {
  readonly parameter: string;
  /** Who it is for; nothing was dialled for them with an empty password. */
  readonly usedBy: 'data-nodes' | 'sentinels';
}

/** Everything one probe of one cluster saw. */
export interface Observation {
  readonly sentinels: readonly { readonly endpoint: Endpoint; readonly answer: SentinelAnswer }[];
  /** The master candidate that was asked, as the sentinels announce it; null when none was named. */
  readonly candidate: Endpoint | null;
  readonly master: NodeAnswer | null;
  /**
   * `ROLE` of every other data node the probe knew of: the sentinels' replicas, the previous
   * confirmed master, masters a minority names. Empty or absent when the nodes were not asked.
   */
  readonly nodes?: readonly DataNodeObservation[];
  readonly missingPasswords?: readonly MissingPassword[];
}

/** Why an ElastiCache API call gave no answer, as the probe classifies it. */
export interface ElastiCacheApiFailure {
  readonly kind: 'throttled' | 'access-denied' | 'not-found' | 'error';
  /** The API operation, e.g. `DescribeReplicationGroups`. */
  readonly operation: string;
  /** The error's message (names the IAM action and principal for `access-denied`). */
  readonly message: string;
}

/** A node group's (shard's) primary as found by the probe, and its answer to `ROLE`. */
export interface ShardObservation {
  readonly nodeGroupId: string;
  /** Who the primary is: the API's `CurrentRole`, or the cluster's own topology (cluster mode). */
  readonly primary: {
    readonly cacheClusterId: string | null;
    /** The node's own endpoint, when known. */
    readonly endpoint: Endpoint | null;
  } | null;
  /** Where `ROLE` was asked: the primary endpoint, or the shard's primary node (cluster mode). */
  readonly dialled: Endpoint | null;
  /** `ROLE` there; null when nothing was dialled. */
  readonly role: NodeAnswer | null;
}

/** Everything one probe of one ElastiCache replication group saw. */
export interface ElastiCacheObservation {
  /** `DescribeReplicationGroups`; null when it failed (`apiFailure` says why). */
  readonly group: ElastiCacheGroup | null;
  readonly apiFailure: ElastiCacheApiFailure | null;
  /** `DescribeEvents` since the last probe, oldest first. */
  readonly events: readonly ElastiCacheEvent[];
  readonly eventsFailure: ElastiCacheApiFailure | null;
  /** The password parameter, when the store does not hold it: nothing was dialled. */
  readonly missingPassword: string | null;
  /** Cluster mode: the configuration endpoint's failure to list the shards, if it failed. */
  readonly topologyFailure: { readonly endpoint: Endpoint; readonly failure: Failure } | null;
  readonly shards: readonly ShardObservation[];
  /** `PING` on the reader endpoint (cluster mode disabled, when the group has one). */
  readonly reader: {
    readonly endpoint: Endpoint;
    readonly answer: { readonly ok: true } | Failure;
  } | null;
}
