// Probes a cluster and acts on the verdict: publish transition events, write platform
// parameters on a confirmed master change, then commit the new state. That order means a crash
// anywhere repeats the work (same event ids) on the next run and never loses it. Runs may
// overlap (a scheduled one and a watch, two ticks): each event is claimed before it is
// published, and the state commit is conditional on the revision read, so one run acts on a
// transition and the others leave it to that one.
import { randomUUID } from 'node:crypto';
import { planTransition } from '../core/cluster-state';
import { RedisHaError, StateConflictError } from '../core/errors';
import type { CloudEvent } from '../core/events';
import { isElastiCache } from '../core/cluster-kind';
import type { Cluster, SentinelCluster } from '../core/inventory';
import type { ElastiCacheApiFactory } from '../core/elasticache';
import { reconcileElastiCache } from './elasticache-reconcile';
import type {
  Clock,
  EventBus,
  Logger,
  ParameterStore,
  RedisGateway,
  StateStore,
} from '../core/ports';
import type { Verdict } from '../core/verdict';
import { noFaults, type FaultPoint } from './fault-points';
import { parametersDigest, templateValues } from '../core/template-values';
import { writePlatformParameters } from './platform-parameters';
import { probeCluster, type ProbeResult } from './probe-cluster';

export interface ControlDeps {
  readonly gateway: RedisGateway;
  readonly parameters: ParameterStore;
  readonly state: StateStore;
  readonly events: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** CloudEvents `source` of everything this deployment publishes. */
  readonly source: string;
  readonly faults?: FaultPoint;
  readonly hooks?: ReconcileHooks;
  /** The ElastiCache API of a Region; needed once the inventory has an `elasticache` cluster. */
  readonly elasticache?: ElastiCacheApiFactory;
}

/** Observers for timelines and benchmarks; they must not throw. */
export interface ReconcileHooks {
  onEventPublished?(event: CloudEvent): void;
  onParametersWritten?(cluster: string, names: readonly string[]): void;
}

export interface ReconcileReport {
  readonly cluster: string;
  readonly verdict: Verdict;
  /** Events this run published (an event another run published or is publishing is not here). */
  readonly events: readonly CloudEvent[];
  readonly parametersWritten: readonly string[];
  /**
   * Another run acts on the same transition: it committed the state first, or holds the claim
   * of one of its events. This run committed nothing and left the rest to that run (whose
   * events and parameters are the same: event ids derive from the cause and the revision read).
   */
  readonly isConflict: boolean;
  readonly durationMs: number;
}

export interface ReconcileOptions {
  /** Report only: publish nothing, write nothing, commit nothing. */
  readonly isReadOnly?: boolean;
  /**
   * Who claims this run's events; unique per call (two calls sharing one would both publish).
   * Default: a random UUID.
   */
  readonly runId?: string;
  /**
   * Stops the probe (connections closed at once); an aborted reconcile acts on nothing and
   * rejects with `ReconcileAbortedError`.
   */
  readonly signal?: AbortSignal;
}

/** How long a claimed event stays claimed if its run dies before publishing it. */
export const EVENT_CLAIM_LEASE_MS = 30_000;

/** The signal ended a reconcile before it acted: nothing was published, written or committed. */
export class ReconcileAbortedError extends RedisHaError {
  constructor(cluster: string) {
    super('ABORTED', `reconcile of ${cluster} aborted before it acted`);
    this.name = 'ReconcileAbortedError';
  }
}

/** Probes one cluster of any kind and acts on the verdict (see the top of this file). */
export async function reconcileCluster(
  cluster: Cluster,
  deps: ControlDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  return isElastiCache(cluster)
    ? reconcileElastiCache(cluster, deps, options)
    : reconcileSentinel(cluster, deps, options);
}

async function reconcileSentinel(
  cluster: SentinelCluster,
  deps: ControlDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const { signal } = options;
  if (signal?.aborted) throw new ReconcileAbortedError(cluster.name);
  const previous = await deps.state.getClusterState(cluster.name);
  // The last confirmed master is asked ROLE too: still answering master, it is a split brain.
  const probe = await probeCluster(cluster, deps, undefined, {
    previousMaster: previous?.master ?? null,
    ...(signal ? { signal } : {}),
  });
  // Answers cut short by the abort are no observation: acting on them would publish an outage.
  if (signal?.aborted) throw new ReconcileAbortedError(cluster.name);
  if (options.isReadOnly) return report(probe, [], [], false);

  const runId = options.runId ?? randomUUID();
  const faults = deps.faults ?? noFaults;
  const transition = planTransition({
    cluster: cluster.name,
    masterName: cluster.masterName,
    source: deps.source,
    now: deps.clock.now(),
    previous,
    verdict: probe.verdict,
    hysteresis: cluster.alertHysteresis,
  });

  const published: CloudEvent[] = [];
  let isConflict = false;
  for (const event of transition.events) {
    const claim = await deps.state.claimEvent(
      event.id,
      runId,
      EVENT_CLAIM_LEASE_MS,
      deps.clock.now(),
    );
    const fields = { cluster: cluster.name, type: event.type, eventId: event.id, runId };
    if (claim === 'published') {
      deps.logger.info('event already published by another run', fields);
      continue;
    }
    if (claim === 'busy') {
      // Its claimant publishes this and the events after it, then commits; if it dies, its
      // claim expires and a later run does (the state stays uncommitted until then).
      deps.logger.info('another run is publishing this transition', fields);
      isConflict = true;
      break;
    }
    faults('reconcile:after-claim');
    await deps.events.publish(event);
    await deps.state.markEventPublished(event.id, runId, deps.clock.now());
    published.push(event);
    deps.hooks?.onEventPublished?.(event);
    deps.logger.info('event published', fields);
  }
  faults('reconcile:after-publish');

  // Parameters are written even when another run holds an event: the values are the same, and
  // the platform should not wait for that run (or its claim's expiry) to point at the master.
  let parametersWritten: string[] = [];
  let digest = previous?.parametersDigest ?? null;
  if (probe.verdict.isConfirmed && probe.masterDial) {
    const desired = parametersDigest(
      cluster,
      probe.masterDial,
      probe.credentials.dataPasswordVersion,
    );
    if (transition.isMasterChanged || desired !== digest) {
      const values = templateValues(cluster, probe.masterDial, probe.credentials.dataPassword);
      parametersWritten = await writePlatformParameters(cluster, deps.parameters, values);
      digest = desired;
      deps.hooks?.onParametersWritten?.(cluster.name, parametersWritten);
      if (parametersWritten.length > 0) {
        deps.logger.info('platform parameters written', {
          cluster: cluster.name,
          parameters: parametersWritten,
        });
      }
    }
  }
  faults('reconcile:after-parameters');

  const isCommitNeeded =
    transition.isChanged || digest !== (previous?.parametersDigest ?? null) || !previous;
  if (isCommitNeeded && !isConflict) {
    try {
      await deps.state.putClusterState(
        { ...transition.next, parametersDigest: digest },
        previous?.revision ?? null,
      );
    } catch (error) {
      if (!(error instanceof StateConflictError)) throw error;
      deps.logger.info('another run committed first', {
        cluster: cluster.name,
        runId,
        revision: previous?.revision ?? null,
      });
      isConflict = true;
    }
  }
  return report(probe, published, parametersWritten, isConflict);
}

function report(
  probe: ProbeResult,
  events: readonly CloudEvent[],
  parametersWritten: readonly string[],
  isConflict: boolean,
): ReconcileReport {
  return {
    cluster: probe.cluster,
    verdict: probe.verdict,
    events,
    parametersWritten,
    isConflict,
    durationMs: probe.durationMs,
  };
}
