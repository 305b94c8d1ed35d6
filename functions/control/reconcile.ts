// Probes a cluster and acts on the verdict: publish transition events, write platform
// parameters on a confirmed master change, then commit the new state. That order means a crash
// anywhere repeats the work (same event ids) on the next run and never loses it.
import { planTransition } from '../core/cluster-state';
import type { CloudEvent } from '../core/events';
import type { SentinelCluster } from '../core/inventory';
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
import { parametersDigest, templateValues, writePlatformParameters } from './platform-parameters';
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
}

/** Observers for timelines and benchmarks; they must not throw. */
export interface ReconcileHooks {
  onEventPublished?(event: CloudEvent): void;
  onParametersWritten?(cluster: string, names: readonly string[]): void;
}

export interface ReconcileReport {
  readonly cluster: string;
  readonly verdict: Verdict;
  readonly events: readonly CloudEvent[];
  readonly parametersWritten: readonly string[];
  readonly durationMs: number;
}

export interface ReconcileOptions {
  /** Report only: publish nothing, write nothing, commit nothing. */
  readonly isReadOnly?: boolean;
}

export async function reconcileCluster(
  cluster: SentinelCluster,
  deps: ControlDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const previous = await deps.state.getClusterState(cluster.name);
  // The last confirmed master is asked ROLE too: still answering master, it is a split brain.
  const probe = await probeCluster(cluster, deps, undefined, {
    previousMaster: previous?.master ?? null,
  });
  if (options.isReadOnly) return report(probe, [], []);

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

  for (const event of transition.events) {
    await deps.events.publish(event);
    deps.hooks?.onEventPublished?.(event);
    deps.logger.info('event published', {
      cluster: cluster.name,
      type: event.type,
      eventId: event.id,
    });
  }
  faults('reconcile:after-publish');

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

  if (transition.isChanged || digest !== (previous?.parametersDigest ?? null) || !previous) {
    await deps.state.putClusterState(
      { ...transition.next, parametersDigest: digest },
      previous?.revision ?? null,
    );
  }
  return report(probe, transition.events, parametersWritten);
}

function report(
  probe: ProbeResult,
  events: readonly CloudEvent[],
  parametersWritten: readonly string[],
): ReconcileReport {
  return {
    cluster: probe.cluster,
    verdict: probe.verdict,
    events,
    parametersWritten,
    durationMs: probe.durationMs,
  };
}

/** Clusters probed at once by default; each holds up to (sentinels + 1) connections while it runs. */
export const DEFAULT_PROBE_CONCURRENCY = 32;

/** Runs `work` over `items` with at most `limit` in flight, keeping input order in the result. */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}
