// Verdict rules about what the ElastiCache API says of a replication group: its status, failover
// settings, encryption, cluster mode and AUTH against the inventory, its recent events, and API
// failures. Pure: no I/O, no clock.
import { parseFailoverMessage, type ElastiCacheEvent, type ElastiCacheGroup } from './elasticache';
import type { ElastiCacheApiFailure } from './observation';
import { ReasonCode, type Reason } from './reason';

/** What the inventory says the group should be. */
export interface ElastiCachePolicy {
  readonly replicationGroupId: string;
  /** The inventory's `tls.enabled`. */
  readonly isTlsExpected: boolean;
  readonly clusterMode: 'enabled' | 'disabled';
  /** Clients AUTH with a token (no RBAC `userId`): the group must have AUTH enabled. */
  readonly isAuthTokenConfigured: boolean;
}

/** Statuses in which the group still serves clients while ElastiCache works on it. */
const SERVING_STATUSES = new Set(['modifying', 'snapshotting']);

/** The API call failed: what it means for the group's verdict. */
export function apiFailureReason(
  policy: ElastiCachePolicy,
  failure: ElastiCacheApiFailure,
  isGroupKnown: boolean,
): Reason {
  const target = failure.operation;
  switch (failure.kind) {
    case 'access-denied':
      // Blind to failovers until someone grants the permission: critical for the group call.
      return {
        code: ReasonCode.accessDenied,
        severity: isGroupKnown ? 'degraded' : 'critical',
        target,
        message: failure.message,
      };
    case 'throttled':
      return {
        code: ReasonCode.apiThrottled,
        severity: 'degraded',
        target,
        message: `${failure.message}${isGroupKnown ? '' : `; group ${policy.replicationGroupId} not checked this time`}`,
      };
    case 'not-found':
      return {
        code: ReasonCode.groupNotFound,
        severity: 'critical',
        target: policy.replicationGroupId,
        message: failure.message,
      };
    case 'error':
      return {
        code: ReasonCode.apiError,
        severity: 'degraded',
        target,
        message: failure.message,
      };
  }
}

/** The group's configuration and state against the inventory. */
export function groupReasons(policy: ElastiCachePolicy, group: ElastiCacheGroup): Reason[] {
  const id = policy.replicationGroupId;
  const reasons: Reason[] = [];
  if (group.status !== 'available') {
    const pending = group.pendingAuthTokenStatus
      ? ` (AUTH token change ${group.pendingAuthTokenStatus})`
      : '';
    reasons.push({
      code: ReasonCode.groupNotAvailable,
      severity: SERVING_STATUSES.has(group.status) ? 'degraded' : 'critical',
      target: id,
      message: `replication group ${id} is ${group.status}, not available${pending}`,
    });
  }
  for (const nodeGroup of group.nodeGroups) {
    if (nodeGroup.status === 'available') continue;
    reasons.push({
      code: ReasonCode.groupNotAvailable,
      severity: 'degraded',
      target: nodeGroup.nodeGroupId,
      message: `node group ${nodeGroup.nodeGroupId} of ${id} is ${nodeGroup.status}`,
    });
  }
  if (group.automaticFailover !== 'enabled' && group.automaticFailover !== 'enabling') {
    reasons.push({
      code: ReasonCode.automaticFailoverDisabled,
      severity: 'degraded',
      target: id,
      message: `automatic failover is ${group.automaticFailover} on ${id}: a failed primary stays down until someone promotes a replica`,
    });
  }
  if (!group.isMultiAz) {
    const zones = [
      ...new Set(
        group.nodeGroups.flatMap((g) => g.members.flatMap((m) => m.availabilityZone ?? [])),
      ),
    ].sort();
    reasons.push({
      code: ReasonCode.singleAz,
      severity: 'degraded',
      target: id,
      message: `Multi-AZ is off on ${id}${zones.length > 0 ? ` (nodes in ${zones.join(', ')})` : ''}: an Availability Zone outage can take the primary with it`,
    });
  }
  if (group.isTransitEncryptionEnabled !== policy.isTlsExpected) {
    reasons.push({
      code: ReasonCode.tlsMismatch,
      severity: 'critical',
      target: id,
      message: group.isTransitEncryptionEnabled
        ? `${id} has in-transit encryption on but the inventory sets tls.enabled: false; clients without TLS cannot connect`
        : `${id} has in-transit encryption off but the inventory expects TLS; set tls.enabled: false or enable encryption on the group`,
    });
  }
  const isClusterModeExpected = policy.clusterMode === 'enabled';
  if (group.isClusterModeEnabled !== isClusterModeExpected) {
    reasons.push({
      code: ReasonCode.clusterModeMismatch,
      severity: 'critical',
      target: id,
      message: `${id} has cluster mode ${group.isClusterModeEnabled ? 'enabled' : 'disabled'} but the inventory says clusterMode: ${policy.clusterMode}; {{host}} would name the wrong endpoint`,
    });
  }
  if (policy.isAuthTokenConfigured && !group.isAuthTokenEnabled) {
    reasons.push({
      code: ReasonCode.authDisabled,
      severity: 'critical',
      target: id,
      message: `${id} has AUTH disabled while the inventory configures an AUTH token: anyone who reaches it gets in, and clients sending the token are refused`,
    });
  }
  return reasons;
}

// Event messages that start or end a failover or a node recovery. TestFailover's reference lists
// them in order: "Test Failover API called for node group X", "Failover from primary node A to
// replica node B completed" (older pages: "master node"), "Recovering cache nodes N", "Finished
// recovery for cache nodes N" (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_TestFailover.html).
const STARTS = /test failover api called|failover (?:started|initiated)|recovering cache nodes/i;
const ENDS =
  /finished recovery|recovery (?:completed|finished)|^\s*failover (?:from|to) .*complete/i;

/**
 * A failover or recovery the events since the last probe started and did not finish. Events are
 * evidence, never the truth about who is primary: the API and ROLE decide that.
 */
export function eventReasons(
  policy: ElastiCachePolicy,
  events: readonly ElastiCacheEvent[],
): Reason[] {
  let lastStart: ElastiCacheEvent | undefined;
  let lastEnd: ElastiCacheEvent | undefined;
  for (const event of events) {
    if (parseFailoverMessage(event.message) || ENDS.test(event.message)) lastEnd = event;
    else if (STARTS.test(event.message)) lastStart = event;
  }
  if (!lastStart || (lastEnd && lastEnd.date >= lastStart.date)) return [];
  return [
    {
      code: ReasonCode.failoverInProgress,
      severity: 'degraded',
      target: lastStart.sourceIdentifier,
      message: `${policy.replicationGroupId}: "${lastStart.message}" (${lastStart.sourceIdentifier} at ${lastStart.date}) and no completion since`,
    },
  ];
}
