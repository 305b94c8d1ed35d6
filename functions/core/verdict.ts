// Decides a cluster's verdict (ok | degraded | critical, with reason codes) from raw probe
// answers. Pure: no I/O, no clock. A master is confirmed only when a majority of the
// configured sentinels name it and it answers ROLE as master.
import { dataNodeReasons } from './data-node-rules';
import { formatEndpoint, sameEndpoint, type Endpoint } from './endpoint';
import type { Observation, SentinelView } from './observation';
import { ReasonCode, Status, type Reason } from './reason';
import { masterRecordReasons, quorumReasons, unknownNameReasons } from './sentinel-rules';

export { ReasonCode, Status, type Reason } from './reason';

export interface Vote {
  readonly master: string;
  readonly sentinels: readonly string[];
}

/** ElastiCache: one node group's (shard's) primary as this probe found it. */
export interface ShardPrimary {
  readonly nodeGroupId: string;
  /** The primary's cache cluster id (`orders-002`, `carts-0002-001`), when known. */
  readonly cacheClusterId: string | null;
  /** The primary node's own endpoint, when known. */
  readonly endpoint: Endpoint | null;
  /** The API (or the cluster's own topology) and the node's ROLE agree that it is the primary. */
  readonly isConfirmed: boolean;
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
  /** ElastiCache only: every node group's primary (one entry with cluster mode disabled). */
  readonly shards?: readonly ShardPrimary[];
}

export interface VerdictPolicy {
  readonly sentinelsConfigured: number;
  readonly maxReplicationLagBytes: number;
  /** The inventory's `masterName`, for messages only. */
  readonly masterName?: string;
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

/** Decides the verdict; `candidate` defaults to the master most sentinels name. */
export function decideVerdict(
  policy: VerdictPolicy,
  observation: Observation,
  candidate: Endpoint | null = chooseCandidate(observation),
): Verdict {
  const missing = observation.missingPasswords ?? [];
  const reasons: Reason[] = missing.map(({ parameter, usedBy }) => ({
    code: ReasonCode.passwordMissing,
    severity: 'critical',
    target: parameter,
    message: `password parameter ${parameter} (for the ${usedBy === 'sentinels' ? 'sentinels' : 'data nodes'}) is not in the parameter store, so the ${usedBy === 'sentinels' ? 'sentinels were' : 'data nodes were'} not asked; store it with \`redis-ha params put ${parameter} --secure\`, or point --store at the store that holds it`,
  }));
  // Without the sentinels' password nothing was asked: every other rule would only guess.
  if (missing.some((m) => m.usedBy === 'sentinels')) return verdictOf(policy, reasons, null);

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
        message:
          answer.failure === 'error' || answer.failure === 'tls-failed'
            ? `sentinel ${target} could not be probed: ${answer.detail}`
            : `sentinel ${target} did not answer: ${answer.detail}`,
      });
  }

  const agreeing = candidate
    ? answering.filter(({ view }) => sameEndpoint(view.masterAddress, candidate))
    : [];
  const hasMajority = agreeing.length >= majority;
  const monitoring = answering.filter(({ view }) => view.masterAddress);

  reasons.push(...unknownNameReasons(policy, answering, monitoring.length));
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
  if (monitoring.length > 0)
    reasons.push(...quorumReasons(policy, majority, agreeing.length > 0 ? agreeing : monitoring));

  for (const { endpoint, view } of answering) {
    if (view.isTilt) {
      reasons.push({
        code: ReasonCode.sentinelTilt,
        severity: 'degraded',
        target: endpoint,
        message: `sentinel ${endpoint} is in TILT mode (it was paused or its clock jumped): it acts on no failure until TILT ends`,
      });
    }
  }
  for (const { endpoint, view } of agreeing.length > 0 ? agreeing : monitoring) {
    reasons.push(...masterRecordReasons(policy, endpoint, view));
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
    ...dataNodeReasons({
      policy,
      observation,
      candidate,
      views: agreeing.map((a) => a.view),
      isMasterAnswering,
      isMajority: hasMajority,
    }),
  );

  return {
    ...verdictOf(policy, reasons, candidate),
    isConfirmed: hasMajority && isMasterAnswering,
    configEpoch: Math.max(0, ...agreeing.map(({ view }) => view.configEpoch)),
    votes,
    sentinelsAnswering: answering.length,
  };
}

/** A verdict from reasons alone: not confirmed, no votes (the base other rules fill in). */
export function verdictOf(
  policy: Pick<VerdictPolicy, 'sentinelsConfigured'>,
  reasons: readonly Reason[],
  master: Endpoint | null,
) {
  return {
    status: worstStatus(reasons.map((r) => r.severity)),
    reasons: dedupeReasons(reasons),
    master,
    isConfirmed: false,
    configEpoch: 0,
    votes: [] as Vote[],
    sentinelsConfigured: policy.sentinelsConfigured,
    sentinelsAnswering: 0,
  };
}

/** One reason per (code, target), keeping the most severe. */
export function dedupeReasons(reasons: readonly Reason[]): Reason[] {
  const byKey = new Map<string, Reason>();
  for (const reason of reasons) {
    const key = `${reason.code}|${reason.target ?? ''}`;
    const existing = byKey.get(key);
    if (!existing || SEVERITY_RANK[reason.severity] > SEVERITY_RANK[existing.severity])
      byKey.set(key, reason);
  }
  return [...byKey.values()];
}
