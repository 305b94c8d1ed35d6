// The vocabulary of verdicts: statuses and reason codes, as stable strings that events, state
// and alert subscribers rely on. Never rename a code; add new ones.

export const Status = { ok: 'ok', degraded: 'degraded', critical: 'critical' } as const;
export type Status = (typeof Status)[keyof typeof Status];

export const ReasonCode = {
  sentinelUnreachable: 'SENTINEL_UNREACHABLE',
  authFailed: 'AUTH_FAILED',
  quorumLost: 'QUORUM_LOST',
  sentinelsDisagree: 'SENTINELS_DISAGREE',
  noMajority: 'NO_MAJORITY',
  masterUnknown: 'MASTER_UNKNOWN',
  masterUnreachable: 'MASTER_UNREACHABLE',
  masterNotMaster: 'MASTER_NOT_MASTER',
  masterDown: 'MASTER_DOWN',
  failoverInProgress: 'FAILOVER_IN_PROGRESS',
  replicaDown: 'REPLICA_DOWN',
  replicationLag: 'REPLICATION_LAG',
  sentinelsMissing: 'SENTINELS_MISSING',
  sentinelNoQuorum: 'SENTINEL_NO_QUORUM',
  sentinelTilt: 'SENTINEL_TILT',
  splitBrain: 'SPLIT_BRAIN',
  passwordMissing: 'PASSWORD_MISSING',
  // ElastiCache replication groups (issue 12).
  groupNotAvailable: 'GROUP_NOT_AVAILABLE',
  groupNotFound: 'GROUP_NOT_FOUND',
  automaticFailoverDisabled: 'AUTOMATIC_FAILOVER_DISABLED',
  singleAz: 'SINGLE_AZ',
  tlsFailed: 'TLS_FAILED',
  endpointUnreachable: 'ENDPOINT_UNREACHABLE',
  apiThrottled: 'API_THROTTLED',
  accessDenied: 'ACCESS_DENIED',
  apiError: 'API_ERROR',
  tlsMismatch: 'TLS_MISMATCH',
  clusterModeMismatch: 'CLUSTER_MODE_MISMATCH',
  authDisabled: 'AUTH_DISABLED',
} as const;
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];

export interface Reason {
  readonly code: ReasonCode;
  readonly severity: Exclude<Status, 'ok'>;
  /**
   * The sentinel or node concerned (host:port), the parameter for PASSWORD_MISSING, or for
   * ElastiCache the endpoint, node group (shard) or API operation concerned.
   */
  readonly target?: string;
  readonly message: string;
}
