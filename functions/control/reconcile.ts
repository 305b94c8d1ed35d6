// Probes a cluster and acts on the verdict (act-on-verdict.ts: publish transition events, write
// platform parameters on a confirmed master change, then commit the new state). Sentinel
// clusters here; ElastiCache groups in elasticache-reconcile.ts.
import type { CloudEvent } from '../core/events';
// Types only: inventory.ts holds the schema (zod, yaml), which the probe Lambda must not bundle.
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
import type { FaultPoint } from './fault-points';
import { parametersDigest, templateValues } from '../core/template-values';
import { actOnVerdict, ReconcileAbortedError, reconcileReport } from './act-on-verdict';
import { probeCluster } from './probe-cluster';

export { EVENT_CLAIM_LEASE_MS, ReconcileAbortedError } from './act-on-verdict';

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

/** Probes one cluster of any kind and acts on the verdict (see act-on-verdict.ts). */
export async function reconcileCluster(
  cluster: Cluster,
  deps: ControlDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  return cluster.kind === 'elasticache'
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
  if (options.isReadOnly) return reconcileReport(probe);

  const { masterDial, credentials } = probe;
  const actions = await actOnVerdict(
    {
      cluster,
      masterName: cluster.masterName,
      previous,
      verdict: probe.verdict,
      parameters:
        probe.verdict.isConfirmed && masterDial
          ? {
              digest: parametersDigest(cluster, masterDial, credentials.dataPasswordVersion),
              values: () => templateValues(cluster, masterDial, credentials.dataPassword),
            }
          : null,
    },
    deps,
    options,
  );
  return reconcileReport(probe, actions);
}
