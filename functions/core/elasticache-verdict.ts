// Decides an ElastiCache replication group's verdict from the API's view (or its failure), the
// events since the last probe and the endpoints' answers. Pure: no I/O, no clock. A shard's
// primary is confirmed only when the API (or, in cluster mode, the cluster's own topology) names
// it and the node dialled answers ROLE as master.
import { formatEndpoint, type Endpoint } from './endpoint';
import {
  apiFailureReason,
  eventReasons,
  groupReasons,
  type ElastiCachePolicy,
} from './elasticache-group-rules';
import type { ElastiCacheObservation, Failure, ShardObservation } from './observation';
import { ReasonCode, type Reason } from './reason';
import { verdictOf, type ShardPrimary, type Verdict } from './verdict';

export type { ElastiCachePolicy } from './elasticache-group-rules';

/** Statuses in which the group cannot be trusted to have a settled primary. */
const UNSETTLED_STATUSES = new Set(['creating', 'deleting', 'create-failed']);

/** Sentinel-only fields of the verdict are neutral for ElastiCache (no votes, no sentinels). */
const NO_SENTINELS = { sentinelsConfigured: 0 } as const;

export function decideElastiCacheVerdict(
  policy: ElastiCachePolicy,
  observation: ElastiCacheObservation,
): Verdict {
  const reasons: Reason[] = [];
  if (observation.missingPassword) {
    reasons.push({
      code: ReasonCode.passwordMissing,
      severity: 'critical',
      target: observation.missingPassword,
      message: `password parameter ${observation.missingPassword} (the AUTH token or RBAC password) is not in the parameter store, so no endpoint was asked; store it with \`redis-ha params put ${observation.missingPassword} --secure\``,
    });
  }
  const group = observation.group;
  if (!group) {
    if (observation.apiFailure)
      reasons.push(apiFailureReason(policy, observation.apiFailure, false));
    return { ...verdictOf(NO_SENTINELS, reasons, null), shards: [] };
  }
  reasons.push(...groupReasons(policy, group));
  reasons.push(...eventReasons(policy, observation.events));
  if (observation.eventsFailure)
    reasons.push(apiFailureReason(policy, observation.eventsFailure, true));

  if (observation.topologyFailure) {
    const { endpoint, failure } = observation.topologyFailure;
    reasons.push(
      endpointReason(
        `configuration endpoint ${formatEndpoint(endpoint)}`,
        endpoint,
        failure,
        'critical',
      ),
    );
  }
  const shards = observation.shards.map((shard) => {
    const outcome = shardOutcome(policy, shard, !!observation.topologyFailure);
    reasons.push(...outcome.reasons);
    return outcome.primary;
  });
  const reader = observation.reader;
  if (reader && !reader.answer.ok)
    reasons.push(
      endpointReason(
        `reader endpoint ${formatEndpoint(reader.endpoint)}`,
        reader.endpoint,
        reader.answer,
        'degraded',
      ),
    );

  const isConfirmed =
    !observation.missingPassword &&
    !UNSETTLED_STATUSES.has(group.status) &&
    shards.length > 0 &&
    shards.every((s) => s.isConfirmed);
  const master = group.isClusterModeEnabled
    ? (group.configurationEndpoint ?? null)
    : (shards[0]?.endpoint ?? group.nodeGroups[0]?.primaryEndpoint ?? null);
  return { ...verdictOf(NO_SENTINELS, reasons, master), isConfirmed, shards };
}

function shardOutcome(
  policy: ElastiCachePolicy,
  shard: ShardObservation,
  isTopologyUnknown: boolean,
): { primary: ShardPrimary; reasons: Reason[] } {
  const reasons: Reason[] = [];
  const primary: ShardPrimary = {
    nodeGroupId: shard.nodeGroupId,
    cacheClusterId: shard.primary?.cacheClusterId ?? null,
    endpoint: shard.primary?.endpoint ?? null,
    isConfirmed: false,
  };
  const shardName = `node group ${shard.nodeGroupId} of ${policy.replicationGroupId}`;
  if (!shard.primary) {
    if (!isTopologyUnknown)
      reasons.push({
        code: ReasonCode.failoverInProgress,
        severity: 'critical',
        target: shard.nodeGroupId,
        message: `${shardName} has no primary node: a failover is under way or the shard lost its primary`,
      });
    return { primary, reasons };
  }
  const { role, dialled } = shard;
  if (!role || !dialled) return { primary, reasons };
  const where = policy.clusterMode === 'enabled' ? 'primary of' : 'primary endpoint of';
  const label = `${where} ${shardName} (${formatEndpoint(dialled)})`;
  if (!role.ok) {
    reasons.push(endpointReason(label, dialled, role, 'critical'));
    return { primary, reasons };
  }
  if (role.role !== 'master') {
    // The API already names the new primary; the primary endpoint's DNS record (or the node)
    // has not followed yet. Clients writing there are refused (READONLY) meanwhile.
    reasons.push({
      code: ReasonCode.failoverInProgress,
      severity: 'critical',
      target: shard.nodeGroupId,
      message: `${label} answers ROLE as ${role.role === 'slave' ? 'replica' : role.role} while ${primary.cacheClusterId ?? 'another node'} is named primary: the failover has not settled`,
    });
    return { primary, reasons };
  }
  return { primary: { ...primary, isConfirmed: true }, reasons };
}

/** An endpoint that gave no answer: auth, TLS, unreachable or timeout, each with its code. */
function endpointReason(
  label: string,
  endpoint: Endpoint,
  failure: Failure,
  severity: Reason['severity'],
): Reason {
  const target = formatEndpoint(endpoint);
  switch (failure.failure) {
    case 'auth-failed':
      return {
        code: ReasonCode.authFailed,
        severity,
        target,
        message: `${label} refused the credentials: ${failure.detail}`,
      };
    case 'tls-failed':
      return {
        code: ReasonCode.tlsFailed,
        severity,
        target,
        message: `${label}: TLS handshake failed (${failure.detail.replace(/^TLS: /, '')})`,
      };
    case 'unreachable':
    case 'timeout':
      return {
        code: ReasonCode.endpointUnreachable,
        severity,
        target,
        message: `${label} did not answer: ${failure.detail}`,
      };
    case 'error':
      return {
        code: ReasonCode.endpointUnreachable,
        severity,
        target,
        message: `${label} could not be probed: ${failure.detail}`,
      };
  }
}
