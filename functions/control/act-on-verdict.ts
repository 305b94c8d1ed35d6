// Acts on a verdict, for clusters of every kind: publish transition events, write platform
// parameters, then commit the new state. That order means a crash anywhere repeats the work
// (same event ids) on the next run and never loses it. Runs may overlap (a scheduled one and a
// watch, two ticks): each event is claimed before it is published, and the state commit is
// conditional on the revision read, so one run acts on a transition and the others leave it.
import { randomUUID } from 'node:crypto';
import { planTransition, type ClusterState, type TransitionInput } from '../core/cluster-state';
import { RedisHaError, StateConflictError } from '../core/errors';
import type { CloudEvent } from '../core/events';
import type { Cluster } from '../core/inventory';
import type { TemplateValues } from '../core/template';
import type { Verdict } from '../core/verdict';
import { noFaults } from './fault-points';
import { writePlatformParameters } from './platform-parameters';
import type { ControlDeps, ReconcileOptions, ReconcileReport } from './reconcile';

/** How long a claimed event stays claimed if its run dies before publishing it. */
export const EVENT_CLAIM_LEASE_MS = 30_000;

/** The signal ended a reconcile before it acted: nothing was published, written or committed. */
export class ReconcileAbortedError extends RedisHaError {
  constructor(cluster: string) {
    super('ABORTED', `reconcile of ${cluster} aborted before it acted`);
    this.name = 'ReconcileAbortedError';
  }
}

/** What a probe decided, and what the parameters should be rendered from. */
export interface VerdictToAct {
  readonly cluster: Pick<Cluster, 'name' | 'platformParameters' | 'alertHysteresis'>;
  /** `masterName` of a Sentinel cluster, the replication group id of an ElastiCache group. */
  readonly masterName: string;
  readonly previous: ClusterState | undefined;
  readonly verdict: Verdict;
  /**
   * The parameters' desired digest and values, when the verdict lets them be written (a
   * confirmed master); null otherwise. `values` is called only when they are written.
   */
  readonly parameters: { readonly digest: string; readonly values: () => TemplateValues } | null;
  /** Kind-specific inputs of the transition (ElastiCache's events read time, endpoint). */
  readonly transition?: Pick<TransitionInput, 'eventsReadUntil' | 'groupEndpoint'>;
}

export interface VerdictActions {
  /** Events this run published (an event another run published or is publishing is not here). */
  readonly events: readonly CloudEvent[];
  readonly parametersWritten: readonly string[];
  /** Another run acts on the same transition; this one committed nothing. */
  readonly isConflict: boolean;
}

export async function actOnVerdict(
  input: VerdictToAct,
  deps: ControlDeps,
  options: Pick<ReconcileOptions, 'runId'> = {},
): Promise<VerdictActions> {
  const { cluster, previous } = input;
  const runId = options.runId ?? randomUUID();
  const faults = deps.faults ?? noFaults;
  const transition = planTransition({
    cluster: cluster.name,
    masterName: input.masterName,
    source: deps.source,
    now: deps.clock.now(),
    previous,
    verdict: input.verdict,
    hysteresis: cluster.alertHysteresis,
    ...input.transition,
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
  const desired = input.parameters;
  if (desired && (transition.isMasterChanged || desired.digest !== digest)) {
    parametersWritten = await writePlatformParameters(cluster, deps.parameters, desired.values());
    digest = desired.digest;
    deps.hooks?.onParametersWritten?.(cluster.name, parametersWritten);
    if (parametersWritten.length > 0) {
      deps.logger.info('platform parameters written', {
        cluster: cluster.name,
        parameters: parametersWritten,
      });
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
  return { events: published, parametersWritten, isConflict };
}

/** What a probe of any kind reports, and what was done about it (nothing when read-only). */
export function reconcileReport(
  probe: { readonly cluster: string; readonly verdict: Verdict; readonly durationMs: number },
  actions: VerdictActions = NO_ACTIONS,
): ReconcileReport {
  return {
    cluster: probe.cluster,
    verdict: probe.verdict,
    events: actions.events,
    parametersWritten: actions.parametersWritten,
    isConflict: actions.isConflict,
    durationMs: probe.durationMs,
  };
}

const NO_ACTIONS: VerdictActions = { events: [], parametersWritten: [], isConflict: false };
