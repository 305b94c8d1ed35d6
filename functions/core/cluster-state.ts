// Per-cluster memory between probes, and the pure decision of what a new verdict changes:
// which events to publish and what state to commit afterwards. No I/O, no clock reads.
import { decideHealth, type AlertHysteresis, type PendingHealth } from './alert-hysteresis';
import { formatEndpoint, sameEndpoint, type Endpoint } from './endpoint';
import { buildEvent, EventType, type CloudEvent, type EventSeverity } from './events';
import type { ShardPrimary, Status, Verdict } from './verdict';

/** What redis-ha last committed about one cluster. */
export interface ClusterState {
  readonly cluster: string;
  /**
   * Increments at every commit (even one that only records a new parameters digest), so two
   * runs that read the same revision can never both commit: the store's conditional write lets
   * one through. Part of every transition event's id, so a retry of an uncommitted transition
   * repeats its id and a later one never does.
   */
  readonly revision: number;
  /** Last confirmed master, as the sentinels announce it. */
  readonly master: Endpoint | null;
  readonly configEpoch: number;
  /** Last published health (status and sorted, distinct reason codes). */
  readonly status: Status | null;
  readonly reasonCodes: readonly string[];
  /** A different health seen by the latest probes, not yet held long enough to publish. */
  readonly pendingHealth?: PendingHealth | null;
  /** Vote split while sentinels disagree, else null. */
  readonly disagreement: string | null;
  /** Digest of what the platform parameters were last rendered from. */
  readonly parametersDigest: string | null;
  readonly updatedAt: string;
  /** ElastiCache: each node group's last confirmed primary, by node group id. */
  readonly shards?: Readonly<Record<string, StoredShardPrimary>>;
  /** ElastiCache: DescribeEvents has been read up to this time (ISO 8601). */
  readonly eventsReadUntil?: string;
}

/** A node group's primary as the state keeps it. */
export interface StoredShardPrimary {
  readonly cacheClusterId: string | null;
  /** `host:port` of the node itself. */
  readonly endpoint: string | null;
}

export interface TransitionInput {
  readonly cluster: string;
  readonly masterName: string;
  readonly source: string;
  readonly now: Date;
  readonly previous: ClusterState | undefined;
  readonly verdict: Verdict;
  readonly hysteresis: AlertHysteresis;
  /** ElastiCache: DescribeEvents was read up to here by this probe. */
  readonly eventsReadUntil?: string;
  /** ElastiCache: the group's primary endpoint (or configuration endpoint), for event data. */
  readonly groupEndpoint?: Endpoint | null;
}

export interface Transition {
  /** Events to publish, in order, before parameters are written. */
  readonly events: readonly CloudEvent[];
  /** True when a confirmed master differs from the last confirmed one. */
  readonly isMasterChanged: boolean;
  /**
   * State to commit once events and parameters are done (parametersDigest left as before),
   * one revision above the previous: whoever commits it, commits the next revision.
   */
  readonly next: ClusterState;
  /** False when nothing but timestamps (and the revision) would change. */
  readonly isChanged: boolean;
}

const STATUS_SEVERITY: Record<Status, EventSeverity> = {
  ok: 'info',
  degraded: 'warning',
  critical: 'critical',
};

export function emptyState(cluster: string, now: Date): ClusterState {
  return {
    cluster,
    revision: 0,
    master: null,
    configEpoch: 0,
    status: null,
    reasonCodes: [],
    pendingHealth: null,
    disagreement: null,
    parametersDigest: null,
    updatedAt: now.toISOString(),
  };
}

/**
 * Decides the events and next state for a new verdict; emits on transitions only. A confirmed
 * master change is acted on at once; any other health change once it has held (see
 * alert-hysteresis.ts), and the published status moves only when it is published.
 */
export function planTransition(input: TransitionInput): Transition {
  const { verdict, now, cluster } = input;
  const previous = input.previous ?? emptyState(cluster, now);
  const events: CloudEvent[] = [];
  const event = (
    type: EventType,
    cause: string,
    severity: EventSeverity,
    data: Record<string, unknown>,
  ) =>
    events.push(
      buildEvent({ source: input.source, type, cluster, cause, severity, time: now, data }),
    );

  const confirmed = verdict.isConfirmed ? verdict.master : null;
  // ElastiCache tracks each shard's primary node; Sentinel clusters the one master's address.
  const shardChanges = verdict.shards ? changedShards(previous, verdict.shards) : [];
  for (const change of shardChanges) {
    event(
      EventType.masterChanged,
      `${previous.revision}|${change.nodeGroupId}|${change.previousId}>${change.currentId}`,
      'warning',
      {
        cluster,
        masterName: input.masterName,
        replicationGroupId: input.masterName,
        nodeGroupId: change.nodeGroupId,
        previous: change.previous.endpoint,
        current: change.current.endpoint,
        previousCacheClusterId: change.previous.cacheClusterId,
        currentCacheClusterId: change.current.cacheClusterId,
        primaryEndpoint: input.groupEndpoint ? formatEndpoint(input.groupEndpoint) : null,
      },
    );
  }
  const isMasterChanged = verdict.shards
    ? shardChanges.length > 0
    : !!confirmed && !!previous.master && !sameEndpoint(previous.master, confirmed);
  if (isMasterChanged && confirmed && !verdict.shards) {
    event(
      EventType.masterChanged,
      // The revision, not only the epoch: epochs restart when sentinels are rebuilt, and the
      // same failover pair must then still be a new event, not a repeat delivery.
      `${previous.revision}|${formatEndpoint(previous.master as Endpoint)}>${formatEndpoint(confirmed)}@${verdict.configEpoch}`,
      'warning',
      {
        cluster,
        masterName: input.masterName,
        previous: formatEndpoint(previous.master as Endpoint),
        current: formatEndpoint(confirmed),
        configEpoch: verdict.configEpoch,
        sentinels:
          verdict.votes.find((v) => v.master === formatEndpoint(confirmed))?.sentinels ?? [],
      },
    );
  }

  const reasonCodes = [...new Set(verdict.reasons.map((r) => r.code))].sort();
  const isFirstAndHealthy = previous.status === null && verdict.status === 'ok';
  const health = decideHealth({
    published: { status: previous.status, reasonCodes: previous.reasonCodes },
    observed: { status: verdict.status, reasonCodes },
    pending: previous.pendingHealth ?? null,
    hysteresis: input.hysteresis,
    now,
    isImmediate: isMasterChanged || isFirstAndHealthy,
  });
  const isHealthPublished = health.kind === 'publish';
  const pendingHealth = health.kind === 'hold' ? health.pending : null;
  if (isHealthPublished && !isFirstAndHealthy) {
    event(
      EventType.healthChanged,
      `${previous.revision}|${verdict.status}|${reasonCodes.join(',')}`,
      STATUS_SEVERITY[verdict.status],
      {
        cluster,
        masterName: input.masterName,
        previous: previous.status,
        status: verdict.status,
        reasons: verdict.reasons.map((r) => ({
          code: r.code,
          severity: r.severity,
          target: r.target ?? null,
          message: r.message,
        })),
        master: verdict.master ? formatEndpoint(verdict.master) : null,
        isConfirmed: verdict.isConfirmed,
      },
    );
  }

  // While a failover runs, sentinels adopt the new master one after the other: that passing
  // split is not news. A split that outlives the failover is announced at the next probe.
  const isFailingOver = verdict.reasons.some((r) => r.code === 'FAILOVER_IN_PROGRESS');
  const disagreement =
    verdict.votes.length > 1
      ? isFailingOver
        ? previous.disagreement
        : verdict.votes.map((v) => `${v.master}=${v.sentinels.join('+')}`).join(' ')
      : null;
  if (disagreement && disagreement !== previous.disagreement) {
    event(
      EventType.sentinelsDisagree,
      `${previous.revision}|${disagreement}`,
      verdict.isConfirmed ? 'warning' : 'critical',
      {
        cluster,
        masterName: input.masterName,
        votes: verdict.votes.map((v) => ({ master: v.master, sentinels: v.sentinels })),
        isConfirmed: verdict.isConfirmed,
      },
    );
  }

  const master = confirmed ?? previous.master;
  const configEpoch = confirmed ? verdict.configEpoch : previous.configEpoch;
  // No shards in the verdict (the group could not be read): nothing is known, keep them all.
  const shards = verdict.shards?.length ? nextShards(previous, verdict.shards) : previous.shards;
  const eventsReadUntil = input.eventsReadUntil ?? previous.eventsReadUntil;
  const isChanged =
    JSON.stringify(shards ?? null) !== JSON.stringify(previous.shards ?? null) ||
    eventsReadUntil !== previous.eventsReadUntil ||
    isHealthPublished ||
    JSON.stringify(pendingHealth) !== JSON.stringify(previous.pendingHealth ?? null) ||
    disagreement !== previous.disagreement ||
    !sameEndpoint(master, previous.master) ||
    (master === null) !== (previous.master === null) ||
    configEpoch !== previous.configEpoch;
  return {
    events,
    isMasterChanged,
    isChanged,
    next: {
      ...previous,
      revision: previous.revision + 1,
      master,
      configEpoch,
      status: isHealthPublished ? verdict.status : previous.status,
      reasonCodes: isHealthPublished ? reasonCodes : previous.reasonCodes,
      pendingHealth,
      disagreement,
      updatedAt: now.toISOString(),
      ...(shards ? { shards } : {}),
      ...(eventsReadUntil ? { eventsReadUntil } : {}),
    },
  };
}

interface ShardChange {
  readonly nodeGroupId: string;
  readonly previous: StoredShardPrimary;
  readonly current: StoredShardPrimary;
  readonly previousId: string;
  readonly currentId: string;
}

function storedShard(shard: ShardPrimary): StoredShardPrimary {
  return {
    cacheClusterId: shard.cacheClusterId,
    endpoint: shard.endpoint ? formatEndpoint(shard.endpoint) : null,
  };
}

/** A node's identity: its cache cluster id when known, else its endpoint. */
function shardIdentity(shard: StoredShardPrimary): string | null {
  return shard.cacheClusterId ?? shard.endpoint;
}

/** Confirmed primaries that differ from the last confirmed ones (first sightings are no change). */
function changedShards(previous: ClusterState, shards: readonly ShardPrimary[]): ShardChange[] {
  const changes: ShardChange[] = [];
  for (const shard of shards) {
    const before = previous.shards?.[shard.nodeGroupId];
    if (!shard.isConfirmed || !before) continue;
    const current = storedShard(shard);
    const previousId = shardIdentity(before);
    const currentId = shardIdentity(current);
    if (previousId && currentId && previousId !== currentId)
      changes.push({
        nodeGroupId: shard.nodeGroupId,
        previous: before,
        current,
        previousId,
        currentId,
      });
  }
  return changes;
}

/** The stored primaries with this probe's confirmed ones over them. */
function nextShards(
  previous: ClusterState,
  shards: readonly ShardPrimary[],
): Record<string, StoredShardPrimary> {
  // Shards no longer in the group (scaled in) are forgotten; unconfirmed ones keep their last.
  const next: Record<string, StoredShardPrimary> = {};
  for (const shard of shards) {
    const before = previous.shards?.[shard.nodeGroupId];
    if (before) next[shard.nodeGroupId] = before;
  }
  for (const shard of shards)
    if (shard.isConfirmed && shardIdentity(storedShard(shard)))
      next[shard.nodeGroupId] = storedShard(shard);
  return next;
}
