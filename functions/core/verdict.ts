// Decides a cluster's verdict (ok | degraded | critical, with reason codes) from raw probe
// answers. Pure: no I/O, no clock. A master is confirmed only when a majority of the
// configured sentinels name it and it answers ROLE as master.
import { formatEndpoint, sameEndpoint, type Endpoint } from './endpoint';
import type { Observation, SentinelView } from './observation';

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
} as const;
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];

export interface Reason {
  readonly code: ReasonCode;
  readonly severity: Exclude<Status, 'ok'>;
  /** The sentinel or node concerned, as host:port, when there is one. */
  readonly target?: string;
  readonly message: string;
}

export interface Vote {
  readonly master: string;
  readonly sentinels: readonly string[];
}

export interface Verdict {
  readonly status: Status;
  readonly reasons: readonly Reason[];
  /** Master named by the most sentinels (as announced), or null. */
  readonly master: Endpoint | null;
  readonly isConfirmed: boolean;
  /** Highest config epoch among the sentinels that name `master`. */
  readonly configEpoch: number;
  readonly votes: readonly Vote[];
  readonly sentinelsConfigured: number;
  readonly sentinelsAnswering: number;
}

export interface VerdictPolicy {
  readonly sentinelsConfigured: number;
  readonly maxReplicationLagBytes: number;
}

const SEVERITY_RANK: Record<Status, number> = { ok: 0, degraded: 1, critical: 2 };

export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status = Status.ok;
  for (const status of statuses) if (SEVERITY_RANK[status] > SEVERITY_RANK[worst]) worst = status;
  return worst;
}

export function majorityOf(configured: number): number {
  return Math.floor(configured / 2) + 1;
}

/** Groups the answering sentinels by the master they name, most votes first. */
export function countVotes(observation: Pick<Observation, 'sentinels'>): Vote[] {
  const votes = new Map<string, string[]>();
  for (const { endpoint, answer } of observation.sentinels) {
    if (!answer.ok || !answer.masterAddress) continue;
    const key = formatEndpoint(answer.masterAddress);
    votes.set(key, [...(votes.get(key) ?? []), formatEndpoint(endpoint)]);
  }
  return [...votes.entries()]
    .map(([master, sentinels]) => ({ master, sentinels }))
    .sort((a, b) => b.sentinels.length - a.sentinels.length || a.master.localeCompare(b.master));
}

/** The master to check: the one named by the most sentinels, or null on a tie or no answer. */
export function chooseCandidate(observation: Pick<Observation, 'sentinels'>): Endpoint | null {
  const [first, second] = countVotes(observation);
  if (!first || (second && second.sentinels.length === first.sentinels.length)) return null;
  for (const { answer } of observation.sentinels) {
    if (
      answer.ok &&
      answer.masterAddress &&
      formatEndpoint(answer.masterAddress) === first.master
    ) {
      return answer.masterAddress;
    }
  }
  return null;
}

export function decideVerdict(
  policy: VerdictPolicy,
  observation: Observation,
  candidate: Endpoint | null = chooseCandidate(observation),
): Verdict {
  const reasons: Reason[] = [];
  const majority = majorityOf(policy.sentinelsConfigured);
  const votes = countVotes(observation);
  const answering: { endpoint: string; view: SentinelView }[] = [];

  for (const { endpoint, answer } of observation.sentinels) {
    const target = formatEndpoint(endpoint);
    if (answer.ok) answering.push({ endpoint: target, view: answer });
    else if (answer.failure === 'auth-failed')
      reasons.push({
        code: ReasonCode.authFailed,
        severity: 'degraded',
        target,
        message: `sentinel ${target} refused the credentials`,
      });
    else
      reasons.push({
        code: ReasonCode.sentinelUnreachable,
        severity: 'degraded',
        target,
        message: `sentinel ${target} did not answer: ${answer.detail}`,
      });
  }

  const agreeing = candidate
    ? answering.filter(({ view }) => sameEndpoint(view.masterAddress, candidate))
    : [];
  const hasMajority = agreeing.length >= majority;

  if (answering.length > 0 && answering.every(({ view }) => !view.masterAddress)) {
    reasons.push({
      code: ReasonCode.masterUnknown,
      severity: 'critical',
      message: 'no sentinel monitors this master name',
    });
  }
  if (votes.length > 1) {
    const detail = votes.map((v) => `${v.master} by ${v.sentinels.join(', ')}`).join('; ');
    reasons.push({
      code: ReasonCode.sentinelsDisagree,
      severity: hasMajority ? 'degraded' : 'critical',
      message: `sentinels name different masters: ${detail}`,
    });
  }
  if (!hasMajority && votes.length > 0) {
    reasons.push({
      code: ReasonCode.noMajority,
      severity: 'critical',
      message: `${agreeing.length} of ${policy.sentinelsConfigured} configured sentinels name ${candidate ? formatEndpoint(candidate) : 'one master'}; ${majority} needed`,
    });
  }
  if (answering.length === 0) {
    reasons.push({
      code: ReasonCode.noMajority,
      severity: 'critical',
      message: 'no sentinel answered',
    });
  }

  for (const { endpoint, view } of agreeing.length > 0 ? agreeing : answering) {
    if (view.quorumError) {
      reasons.push({
        code: ReasonCode.quorumLost,
        severity: 'critical',
        target: endpoint,
        message: `sentinel ${endpoint}: ${view.quorumError}`,
      });
    }
    if (view.masterFlags.includes('failover_in_progress')) {
      reasons.push({
        code: ReasonCode.failoverInProgress,
        severity: 'degraded',
        target: endpoint,
        message: `sentinel ${endpoint} reports a failover in progress`,
      });
    }
    const isAboutNamedMaster =
      !view.recordAddress || sameEndpoint(view.recordAddress, view.masterAddress);
    if (
      isAboutNamedMaster &&
      (view.masterFlags.includes('o_down') || view.masterFlags.includes('s_down'))
    ) {
      const objective = view.masterFlags.includes('o_down');
      reasons.push({
        code: ReasonCode.masterDown,
        severity: objective ? 'critical' : 'degraded',
        target: endpoint,
        message: `sentinel ${endpoint} sees the master ${objective ? 'objectively' : 'subjectively'} down`,
      });
    }
    if (view.masterAddress && view.numOtherSentinels + 1 < policy.sentinelsConfigured) {
      reasons.push({
        code: ReasonCode.sentinelsMissing,
        severity: 'degraded',
        target: endpoint,
        message: `sentinel ${endpoint} knows ${view.numOtherSentinels + 1} sentinels, ${policy.sentinelsConfigured} configured`,
      });
    }
  }

  let isMasterAnswering = false;
  const master = observation.master;
  if (candidate && master) {
    const target = formatEndpoint(candidate);
    if (!master.ok) {
      reasons.push(
        master.failure === 'auth-failed'
          ? {
              code: ReasonCode.authFailed,
              severity: 'critical',
              target,
              message: `master ${target} refused the credentials`,
            }
          : {
              code: ReasonCode.masterUnreachable,
              severity: 'critical',
              target,
              message: `master ${target} did not answer: ${master.detail}`,
            },
      );
    } else if (master.role !== 'master') {
      reasons.push({
        code: ReasonCode.masterNotMaster,
        severity: 'critical',
        target,
        message: `${target} answers ROLE as ${master.role}`,
      });
    } else {
      isMasterAnswering = true;
    }
  }

  reasons.push(
    ...replicaReasons(
      policy,
      observation,
      agreeing.map((a) => a.view),
      isMasterAnswering,
    ),
  );

  const configEpoch = Math.max(0, ...agreeing.map(({ view }) => view.configEpoch));
  return {
    status: worstStatus(reasons.map((r) => r.severity)),
    reasons: dedupeReasons(reasons),
    master: candidate,
    isConfirmed: hasMajority && isMasterAnswering,
    configEpoch,
    votes,
    sentinelsConfigured: policy.sentinelsConfigured,
    sentinelsAnswering: answering.length,
  };
}

function replicaReasons(
  policy: VerdictPolicy,
  observation: Observation,
  views: readonly SentinelView[],
  isMasterAnswering: boolean,
): Reason[] {
  const reasons: Reason[] = [];
  const attached = observation.master?.ok ? observation.master.replicas : [];
  const known = new Map<string, { flagged: number }>();
  for (const view of views) {
    for (const replica of view.replicas) {
      const key = formatEndpoint(replica.endpoint);
      const entry = known.get(key) ?? { flagged: 0 };
      const isDown =
        replica.flags.some((f) => f === 's_down' || f === 'o_down' || f === 'disconnected') ||
        replica.masterLinkStatus === 'err';
      if (isDown) entry.flagged += 1;
      known.set(key, entry);
    }
  }
  for (const [key, { flagged }] of known) {
    const isAttached = attached.some((r) => formatEndpoint(r.endpoint) === key);
    const isDown = isMasterAnswering ? !isAttached : flagged * 2 > views.length;
    if (isDown) {
      reasons.push({
        code: ReasonCode.replicaDown,
        severity: 'degraded',
        target: key,
        message: `replica ${key} is not replicating from the master`,
      });
    }
  }
  if (isMasterAnswering && observation.master?.ok) {
    const masterOffset = observation.master.offset;
    for (const replica of attached) {
      const lagBytes = masterOffset - replica.offset;
      if (lagBytes > policy.maxReplicationLagBytes) {
        const key = formatEndpoint(replica.endpoint);
        reasons.push({
          code: ReasonCode.replicationLag,
          severity: 'degraded',
          target: key,
          message: `replica ${key} trails the master by ${lagBytes} bytes (limit ${policy.maxReplicationLagBytes})`,
        });
      }
    }
  }
  return reasons;
}

/** One reason per (code, target), keeping the most severe. */
function dedupeReasons(reasons: readonly Reason[]): Reason[] {
  const byKey = new Map<string, Reason>();
  for (const reason of reasons) {
    const key = `${reason.code}|${reason.target ?? ''}`;
    const existing = byKey.get(key);
    if (!existing || SEVERITY_RANK[reason.severity] > SEVERITY_RANK[existing.severity])
      byKey.set(key, reason);
  }
  return [...byKey.values()];
}
