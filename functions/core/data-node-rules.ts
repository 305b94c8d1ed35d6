// Verdict rules about the data nodes other than the candidate master: replicas that are down or
// lagging, and split brain (another node answering ROLE master). Pure: no I/O, no clock.
import { formatEndpoint, sameEndpoint, type Endpoint } from './endpoint';
import type { Observation, SentinelView } from './observation';
import { ReasonCode, type Reason } from './reason';
import type { VerdictPolicy } from './verdict';

/**
 * How long an old master may answer ROLE master after a failover while the sentinels that reach
 * it are converting it. Sentinel sends REPLICAOF to a listed replica that reports master
 * (`+convert-to-slave`) only once that role has held SENTINEL_PUBLISH_PERIOD * 4 (8 s), and
 * checks on INFO replies, every SENTINEL_INFO_PERIOD (10 s) for a replica of a healthy master:
 * 8 to 18 s after the role was reported. The rest is margin for a busy sentinel. See
 * sentinelRefreshInstanceInfo in https://github.com/redis/redis/blob/unstable/src/sentinel.c
 */
export const SENTINEL_CONVERT_GRACE_MS = 30_000;

export interface DataNodeInput {
  readonly policy: VerdictPolicy;
  readonly observation: Observation;
  readonly candidate: Endpoint | null;
  /** Views of the sentinels that name the candidate. */
  readonly views: readonly SentinelView[];
  readonly isMasterAnswering: boolean;
  readonly isMajority: boolean;
}

/**
 * SPLIT_BRAIN (or FAILOVER_IN_PROGRESS for an old master the sentinels are converting),
 * REPLICA_DOWN and REPLICATION_LAG; one reason per node at most.
 */
export function dataNodeReasons(input: DataNodeInput): Reason[] {
  const secondMasters = secondMasterReasons(input);
  const exempt = new Set(secondMasters.map((r) => r.target));
  // Right after a failover the sentinels still list the promoted replica among the replicas.
  if (input.candidate) exempt.add(formatEndpoint(input.candidate));
  return [...secondMasters, ...replicaReasons(input, exempt)];
}

/**
 * Every node other than the candidate that answers ROLE master accepts writes that the
 * sentinels' master never sees: they are lost when the node is demoted. Critical; a node that
 * a failover is promoting is not one of them, and an old master that the sentinels reach and
 * are converting is the tail of a failover (degraded) until SENTINEL_CONVERT_GRACE_MS.
 */
function secondMasterReasons(input: DataNodeInput): Reason[] {
  const { observation, candidate, isMasterAnswering, isMajority } = input;
  const isConfirmedMajority = !!candidate && isMasterAnswering && isMajority;
  const failingOver = isConfirmedMajority ? failoverMasters(input) : [];
  const masters = (observation.nodes ?? [])
    .filter(({ endpoint }) => !sameEndpoint(endpoint, candidate))
    .filter(({ endpoint }) => !failingOver.some((node) => sameEndpoint(node, endpoint)))
    .filter(({ answer }) => answer.ok && answer.role === 'master')
    .map(({ endpoint }) => endpoint)
    .filter((endpoint, i, all) => all.findIndex((e) => sameEndpoint(e, endpoint)) === i);
  if (candidate && isConfirmedMajority) {
    const named = formatEndpoint(candidate);
    return masters.map((endpoint): Reason => {
      const node = formatEndpoint(endpoint);
      return isBeingConverted(input.views, endpoint)
        ? {
            code: ReasonCode.failoverInProgress,
            severity: 'degraded',
            target: node,
            message: `node ${node} still answers ROLE master after the failover to ${named}: the sentinels reach it and make it a replica (+convert-to-slave) within about 20 s; writes it accepts until then will be lost, and still master after ${SENTINEL_CONVERT_GRACE_MS / 1000} s it counts as a split brain`,
          }
        : {
            code: ReasonCode.splitBrain,
            severity: 'critical',
            target: node,
            message: `node ${node} answers ROLE master while the sentinels' majority names ${named}: writes it accepts will be lost when it is demoted; stop its clients or make it a replica (REPLICAOF ${candidate.host} ${candidate.port})`,
          };
    });
  }
  // No confirmed master: which one is right is unknown, so every node answering master is named.
  const unique = masters.map(formatEndpoint);
  const all = candidate && isMasterAnswering ? [formatEndpoint(candidate), ...unique] : unique;
  if (all.length < 2) return [];
  return all.map((node) => ({
    code: ReasonCode.splitBrain,
    severity: 'critical',
    target: node,
    message: `node ${node} answers ROLE master, as do ${all.filter((n) => n !== node).join(', ')}, and no majority of sentinels confirms one of them: writes to all but one will be lost`,
  }));
}

/**
 * Whether the sentinels naming the confirmed master are turning `node` (answering ROLE master)
 * into a replica: a majority of those that know its role say so. Sentinels that have had no INFO
 * reply from it yet (the switch created their record of it a moment ago) do not know and abstain;
 * with none left that knows, it is not.
 */
function isBeingConverted(views: readonly SentinelView[], node: Endpoint): boolean {
  const stances = views.map((view) => conversionStance(view, node));
  const converting = stances.filter((s) => s === 'converting').length;
  const knowing = stances.filter((s) => s !== 'unaware').length;
  return converting * 2 > knowing;
}

const isFlaggedDown = (flags: readonly string[]) =>
  flags.some((f) => f === 's_down' || f === 'o_down');

/**
 * What one sentinel does about a node that answers ROLE master: `converting` when it lists the
 * node as a replica it reaches that has reported master for less than the grace (it sends
 * REPLICAOF soon), or when it leads a failover away from the node and still reaches it (it lists
 * the node as a replica once the failover ends); `unaware` when it has had no INFO reply from
 * the node yet; `against` otherwise: it flags the node down, has lost its link, has let it be
 * master past the grace, or does not list it at all (a replica promoted by hand).
 */
function conversionStance(
  view: SentinelView,
  node: Endpoint,
): 'converting' | 'unaware' | 'against' {
  if (sameEndpoint(view.recordAddress, node) && !sameEndpoint(view.masterAddress, node)) {
    const isLeadingFailover = view.masterFlags.includes('failover_in_progress');
    return isLeadingFailover && !isFlaggedDown(view.masterFlags) ? 'converting' : 'against';
  }
  const replica = view.replicas.find((r) => sameEndpoint(r.endpoint, node));
  if (!replica || isFlaggedDown(replica.flags)) return 'against';
  // A fresh record shows `disconnected` until the sentinel's next timer tick opens its link.
  if (replica.runId === '') return 'unaware';
  if (replica.flags.includes('disconnected')) return 'against';
  const isRecent =
    replica.roleReportedMs !== undefined && replica.roleReportedMs < SENTINEL_CONVERT_GRACE_MS;
  return replica.roleReported === 'master' && isRecent ? 'converting' : 'against';
}

/**
 * Nodes a failover makes master on purpose: the replica a sentinel flags `promoted`, the node a
 * sentinel running a failover names, and a node named with a newer config epoch than the
 * candidate's (a failover that ended at its leader but has not reached the other sentinels yet:
 * they learn it from the leader's hello messages within seconds). Such a node answers master
 * for a moment before the majority names it; that is FAILOVER_IN_PROGRESS or
 * SENTINELS_DISAGREE, not a split brain. A cut-off old master is named with an older epoch.
 */
function failoverMasters({ observation, views }: DataNodeInput): Endpoint[] {
  const candidateEpoch = Math.max(0, ...views.map((view) => view.configEpoch));
  return observation.sentinels.flatMap(({ answer }) => {
    if (!answer.ok) return [];
    const promoted = answer.replicas
      .filter((replica) => replica.flags.includes('promoted'))
      .map((replica) => replica.endpoint);
    const isFailingOver = answer.masterFlags.includes('failover_in_progress');
    const isNewer = answer.configEpoch > candidateEpoch;
    return answer.masterAddress && (isFailingOver || isNewer)
      ? [...promoted, answer.masterAddress]
      : promoted;
  });
}

function replicaReasons(input: DataNodeInput, exempt: ReadonlySet<string | undefined>): Reason[] {
  const { policy, observation, views, isMasterAnswering } = input;
  const reasons: Reason[] = [];
  const attached = observation.master?.ok ? observation.master.replicas : [];
  const known = new Map<string, { flagged: number }>();
  for (const view of views) {
    for (const replica of view.replicas) {
      const key = formatEndpoint(replica.endpoint);
      if (exempt.has(key)) continue;
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
