// Step 1 of a rotation: the checks before anything is written (Sentinel: the verdict unless
// forced, nodes without a config file, users sharing the password; ElastiCache:
// elasticache-rotation-start.ts), the lock, and the record in phase `started`; and `--dry-run`'s
// plan from the same checks. Reads the current password to look (ACL LIST shows hashes); never
// writes, records or logs it.
import { parseEndpoint, type Endpoint } from '../core/endpoint';
import { StateConflictError } from '../core/errors';
import { EventType } from '../core/events';
import { gracePeriodMs } from '../core/cluster-addresses';
import { isSentinel, type Cluster, type SentinelCluster } from '../core/inventory';
import { isTerminal, rotationPlan, type RotationRecord } from '../core/rotation';
import {
  describeSharedUsers,
  nodesWithoutConfigFile,
  sharedPasswordUsers,
  unpersistableRefusal,
  unpersistedWarning,
  type NodeFacts,
} from '../core/rotation-preflight';
import { elastiCacheStart, planElastiCacheRotation } from './elasticache-rotation-start';
import { probeCluster, type ProbeResult } from './probe-cluster';
import type { ControlDeps } from './reconcile';
import { RotationLockedError, RotationRefusedError } from './rotation-errors';
import { acquireRotationLock, lockedError } from './rotation-lock';
import { dataNodes, RotationSteps } from './rotation-steps';
import { noFaults } from './fault-points';
import { RotationTrail } from './rotation-trail';

export interface StartRotationOptions {
  /** The new rotation's id: a UUID locally, the execution name in Step Functions. */
  readonly rotationId: string;
  /** Who started it, for the audit trail (`cli:alice`, `schedule`). */
  readonly actor: string;
  /** Start even when the verdict is not ok (a node without a config file still refuses). */
  readonly isForced: boolean;
  /** Overrides the inventory's grace period. */
  readonly gracePeriodMs?: number;
  /** Who holds the lock while this runs (`host:pid:uuid` locally, the rotation id in AWS). */
  readonly holder: string;
  readonly leaseMs: number;
}

/**
 * Begins a rotation: takes the lock (owner = `rotationId`), checks the cluster, and records the
 * rotation in phase `started` (a conditional write: no other rotation may be in flight). Throws
 * RotationLockedError (held, or another rotation in flight), RotationRefusedError (verdict not
 * ok and not forced, a node without a config file) or StateConflictError (`rotationId` exists);
 * on any refusal the lock is released and nothing is written.
 */
export async function startRotation(
  cluster: Cluster,
  deps: ControlDeps,
  options: StartRotationOptions,
): Promise<RotationRecord> {
  const { rotationId, holder } = options;
  if (await deps.state.getRotation(cluster.name, rotationId))
    throw new StateConflictError(`rotation ${rotationId} of ${cluster.name} has already started`);
  if (!(await acquireRotationLock(deps, cluster.name, rotationId, holder, options.leaseMs)))
    throw await lockedError(deps, cluster.name);
  const trail = new RotationTrail(cluster, deps, options.actor);
  let record: RotationRecord;
  try {
    const latest = await deps.state.getRotation(cluster.name);
    if (latest && !isTerminal(latest.phase))
      throw new RotationLockedError(
        cluster.name,
        `rotation ${latest.rotationId} is in flight at ${latest.phase}`,
      );
    const now = trail.now();
    const found = isSentinel(cluster)
      ? await sentinelStart(cluster, deps, options.isForced)
      : await elastiCacheStart(cluster, deps, options.isForced);
    record = await trail.save(
      {
        rotationId,
        cluster: cluster.name,
        phase: 'started',
        actor: options.actor,
        startedAt: now,
        updatedAt: now,
        gracePeriodMs: options.gracePeriodMs ?? gracePeriodMs(cluster),
        graceEndsAt: null,
        isForced: options.isForced,
        error: null,
        completedAt: null,
        ...found,
      },
      null,
    );
  } catch (error) {
    await deps.state.releaseLock(cluster.name, rotationId, holder);
    throw error;
  }
  (deps.faults ?? noFaults)('rotation:after-started-saved');
  await announceStarted(cluster, deps, record, options.actor);
  return record;
}

/** The Sentinel checks of step 1 (refusing on the verdict unless forced) and what they found. */
async function sentinelStart(
  cluster: SentinelCluster,
  deps: ControlDeps,
  isForced: boolean,
): Promise<
  Pick<RotationRecord, 'nodes' | 'sentinels' | 'sharedPasswordUsers' | 'unpersistedNodes'>
> {
  const check = await preflight(cluster, deps, ({ verdict }) => {
    if (verdict.status === 'ok' || isForced) return;
    const reasons = verdict.reasons.map((r) => `${r.code}: ${r.message}`).join('; ');
    throw new RotationRefusedError(cluster.name, `verdict is ${verdict.status} (${reasons})`);
  });
  if (check.refusal) throw new RotationRefusedError(cluster.name, check.refusal, false);
  return {
    nodes: check.nodes,
    sentinels: [...cluster.sentinels],
    sharedPasswordUsers: sharedPasswordUsers(check.facts, userOf(cluster)),
    unpersistedNodes: check.unpersisted,
  };
}

/**
 * The `started` journal entry and `rotation.started` event of a rotation whose record is saved.
 * A start retried after a crash between the save and these calls repeats them (the event keeps
 * its id): at least once across crashes, like every other event.
 */
export async function announceStarted(
  cluster: Cluster,
  deps: ControlDeps,
  record: RotationRecord,
  actor?: string,
): Promise<void> {
  const trail = new RotationTrail(cluster, deps, actor);
  const journal = await deps.state.readJournal({
    cluster: cluster.name,
    rotationId: record.rotationId,
  });
  if (journal.some((entry) => entry.step === 'started' && entry.outcome === 'done')) return;
  await trail.publish(record, EventType.rotationStarted, {
    nodes: record.nodes,
    actor: record.actor,
    ...rotationFindings(record),
  });
  await trail.journal(record, 'started', 'done', startedDetail(record));
}

/** What a rotation would do, without doing any of it (`rotate --dry-run`). */
export async function planRotation(
  cluster: Cluster,
  deps: ControlDeps,
  options: { readonly isForced: boolean; readonly gracePeriodMs?: number },
): Promise<string[]> {
  if (!isSentinel(cluster)) return planElastiCacheRotation(cluster, deps, options);
  const check = await preflight(cluster, deps);
  return rotationPlan(cluster, {
    nodes: check.nodes,
    status: check.probe.verdict.status,
    isForced: options.isForced,
    gracePeriodMs: options.gracePeriodMs ?? gracePeriodMs(cluster),
    sharedUsers: describeSharedUsers(sharedPasswordUsers(check.facts, userOf(cluster))),
    configFileNote: check.refusal
      ? { isRefusal: true, text: check.refusal }
      : check.unpersisted.length > 0
        ? { isRefusal: false, text: unpersistedWarning(check.unpersisted) }
        : null,
  });
}

/** Users sharing the password and nodes rotated in memory only, for events (no secret). */
export function rotationFindings(record: RotationRecord): Record<string, unknown> {
  const unpersisted = record.unpersistedNodes ?? [];
  return {
    sharedPasswordUsers: record.sharedPasswordUsers ?? {},
    unpersistedNodes: unpersisted,
    ...(unpersisted.length > 0 ? { warning: unpersistedWarning(unpersisted) } : {}),
  };
}

interface Preflight {
  readonly probe: ProbeResult;
  readonly nodes: string[];
  readonly facts: NodeFacts[];
  readonly unpersisted: string[];
  /** Why no rotation may start on these nodes, or null. */
  readonly refusal: string | null;
}

/**
 * Reads before anything is written: the verdict (`check` may refuse on it before the nodes are
 * asked anything), the nodes, their config files and the users sharing the password.
 */
async function preflight(
  cluster: SentinelCluster,
  deps: ControlDeps,
  check: (probe: ProbeResult) => void = () => undefined,
): Promise<Preflight> {
  const probe = await probeCluster(cluster, deps);
  check(probe);
  const nodes = dataNodes(cluster, probe);
  const password = probe.credentials.dataPassword;
  // Without a stored password there is nothing to log in with: step 2 then stops the rotation.
  const facts = password
    ? await new RotationSteps(cluster, deps).inspect(
        nodes.map((n) => parseEndpoint(n) as Endpoint),
        password,
      )
    : [];
  const unpersisted = nodesWithoutConfigFile(facts);
  const refusal = unpersistableRefusal(unpersisted, cluster.rotation.allowUnpersisted);
  return { probe, nodes, facts, unpersisted, refusal };
}

function startedDetail(record: RotationRecord): string {
  const shared = describeSharedUsers(record.sharedPasswordUsers ?? {});
  return [
    `nodes ${record.nodes.join(', ')}; grace ${record.gracePeriodMs} ms`,
    ...(shared ? [`old password also accepted by ${shared}: they rotate too`] : []),
    ...(record.unpersistedNodes?.length
      ? [`warning: ${unpersistedWarning(record.unpersistedNodes)}`]
      : []),
  ].join('; ');
}

function userOf(cluster: SentinelCluster): string {
  return cluster.username ?? 'default';
}
