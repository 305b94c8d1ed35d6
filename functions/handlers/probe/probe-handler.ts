// The probe function's logic, free of middy and of the environment: a tick probes every cluster,
// acts on what changed, then watches the sentinels and acts on a failover until shortly before
// the deadline; an on-demand request probes the named clusters and answers with their reports;
// an ElastiCache notification (SNS) reconciles the clusters it names (probe-notification.ts).
// Overlapping runs are expected (70 s runs, one a minute): control's event claims and
// conditional commits let one of them act on a transition. Never returns or logs a secret.
import type { Context } from 'aws-lambda';
import { RedisHaError } from '../../core/errors';
import type { Inventory } from '../../core/inventory';
import { reconcileAll } from '../../control/reconcile-all';
import type { ControlDeps } from '../../control/reconcile';
import { Watcher } from '../../control/watcher';
import { signalBeforeDeadline } from '../shared/deadline';
import type { MetricsRecorder } from '../shared/metrics';
import type { CorrelatedLogger } from '../shared/powertools-logger';
import { parseProbeEvent, type ProbeRequest, type ProbeTick } from './probe-event';
import { handleNotifications, type ReconcileClusters } from './probe-notification';
import { ProbeMetric, recordProbe } from './probe-metrics';
import {
  clusterResult,
  clusterSummary,
  logOutcome,
  type ProbeRequestResponse,
  type ProbeResponse,
  type ProbeTickSummary,
} from './probe-response';
import { ReactionClock } from './reaction-clock';

/**
 * The watch stops this long before the deadline: time for a reconcile already acting to finish
 * its claim, publish, parameter writes and commit, for the metrics to flush and the handler to
 * return. With a 70 s timeout and a tick a minute, runs overlap by 70 - 5 - 60 = 5 s (less the
 * next run's first probe), so a failover is never unwatched.
 */
export const WATCH_STOP_MARGIN_MS = 5000;

/** What the handler runs on; built once per cold start by the factory. */
export interface ProbeHandlerDeps {
  readonly inventory: Inventory;
  /** The control plane; the handler adds its own hooks per run. */
  readonly control: ControlDeps;
  /** The same logger as `control.logger`, with the run id as correlation id. */
  readonly logger: CorrelatedLogger;
  readonly metrics: MetricsRecorder;
}

export interface ProbeHandlerOptions {
  /** Default WATCH_STOP_MARGIN_MS. */
  readonly stopMarginMs?: number;
  /** How a notification's clusters are reconciled. Default `reconcileAll`. */
  readonly reconcile?: ReconcileClusters;
}

/** The handler's third argument under middy: a signal that aborts just before Lambda's timeout. */
export interface HandlerOptions {
  readonly signal?: AbortSignal;
}

export class UnknownClusterError extends RedisHaError {
  constructor(names: readonly string[], known: readonly string[]) {
    super(
      'UNKNOWN_CLUSTER',
      `unknown cluster${names.length > 1 ? 's' : ''} ${names.map((n) => JSON.stringify(n)).join(', ')}: the inventory has ${known.length > 0 ? known.map((n) => JSON.stringify(n)).join(', ') : 'no cluster'}`,
    );
    this.name = 'UnknownClusterError';
  }
}

/** Builds the handler's dependencies; may load modules (the SDK clients, ioredis) on the way. */
export type ProbeDepsFactory = () => ProbeHandlerDeps | Promise<ProbeHandlerDeps>;

/**
 * The probe function, given how to build its dependencies. The factory runs on the first
 * invocation (not at module load: a missing variable is then reported with the invocation's
 * context) and again after a failure, never again once it succeeded.
 */
export function createProbeHandler(
  depsFactory: ProbeDepsFactory,
  options: ProbeHandlerOptions = {},
): (event: unknown, context: Context, handlerOptions?: HandlerOptions) => Promise<ProbeResponse> {
  let building: Promise<ProbeHandlerDeps> | undefined;
  const stopMarginMs = options.stopMarginMs ?? WATCH_STOP_MARGIN_MS;
  return async (event, context, handlerOptions = {}) => {
    building ??= Promise.resolve()
      .then(depsFactory)
      .catch((error: unknown) => {
        building = undefined;
        throw error;
      });
    const deps = await building;
    const runId = context.awsRequestId;
    deps.logger.setCorrelationId(runId);
    const probeEvent = parseProbeEvent(event);
    const deadline = signalBeforeDeadline(
      context.getRemainingTimeInMillis(),
      stopMarginMs,
      handlerOptions.signal,
    );
    try {
      switch (probeEvent.kind) {
        case 'tick':
          return await tick(probeEvent, deps, runId, context, deadline.signal);
        case 'request':
          return await request(probeEvent, deps, runId, deadline.signal);
        case 'notification':
          return await handleNotifications(
            probeEvent,
            deps,
            { runId, signal: deadline.signal, nowMs: Date.now() },
            options.reconcile ?? reconcileAll,
          );
      }
    } finally {
      deadline.dispose();
    }
  };
}

async function request(
  event: ProbeRequest,
  deps: ProbeHandlerDeps,
  runId: string,
  signal: AbortSignal,
): Promise<ProbeRequestResponse> {
  const known = deps.inventory.clusters.map((c) => c.name);
  const unknown = event.clusters.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new UnknownClusterError(unknown, known);
  const clusters = deps.inventory.clusters.filter((c) => event.clusters.includes(c.name));
  const outcomes = await reconcileAll(clusters, deps.control, { runId, signal });
  const results = outcomes.map((outcome) => {
    if (outcome.kind === 'reconciled') recordProbe(deps.metrics, outcome.report);
    logOutcome(deps.logger, outcome);
    return clusterResult(outcome);
  });
  return { kind: 'request', runId, results };
}

async function tick(
  event: ProbeTick,
  deps: ProbeHandlerDeps,
  runId: string,
  context: Context,
  signal: AbortSignal,
): Promise<ProbeTickSummary> {
  const startedMs = performance.now();
  const names = deps.inventory.clusters.map((c) => c.name);
  deps.logger.info('probe run started', {
    clusters: names,
    ...(event.executionId ? { executionId: event.executionId } : {}),
    ...(event.scheduledTime ? { scheduledTime: event.scheduledTime } : {}),
    remainingMs: context.getRemainingTimeInMillis(),
  });
  const eventsPublished: string[] = [];
  const reaction = new ReactionClock((cluster, ms) => {
    deps.metrics.milliseconds(ProbeMetric.reactionTime, ms);
    deps.logger.info('failover acted on', { cluster, reactionMs: Math.round(ms) });
  });
  const control: ControlDeps = {
    ...deps.control,
    hooks: {
      onEventPublished: (published) => {
        eventsPublished.push(published.type);
        reaction.onEventPublished(published);
        deps.control.hooks?.onEventPublished?.(published);
      },
      onParametersWritten: (cluster, written) => {
        reaction.onParametersWritten(cluster);
        deps.control.hooks?.onParametersWritten?.(cluster, written);
      },
    },
  };

  const outcomes = await reconcileAll(deps.inventory.clusters, control, { runId, signal });
  for (const outcome of outcomes) {
    if (outcome.kind === 'reconciled') recordProbe(deps.metrics, outcome.report);
    logOutcome(deps.logger, outcome);
  }
  if (outcomes.every((o) => o.kind === 'reconciled')) deps.metrics.count(ProbeMetric.probeRuns);
  const probedEvents = eventsPublished.length;

  const watchStartedMs = performance.now();
  let sentinelEvents = 0;
  let probes = 0;
  const watcher = new Watcher(deps.inventory, control, {
    // Never fires: the next tick probes every cluster (and picks up rotated sentinel passwords).
    probeIntervalMs: Math.max(1000, context.getRemainingTimeInMillis()),
    signal,
    hooks: {
      onSentinelEvent: (cluster, _sentinel, channel) => {
        sentinelEvents += 1;
        reaction.onSentinelEvent(cluster, channel);
      },
      onReport: (report) => {
        probes += 1;
        recordProbe(deps.metrics, report);
        reaction.onReport(report);
      },
    },
  });
  await watcher.run();
  const watch = {
    durationMs: Math.round(performance.now() - watchStartedMs),
    sentinelEvents,
    probes,
    eventsPublished: eventsPublished.slice(probedEvents),
  };
  deps.logger.info('probe run done', {
    clusters: names,
    ...watch,
    remainingMs: context.getRemainingTimeInMillis(),
  });
  return {
    kind: 'tick',
    runId,
    clusters: outcomes.map(clusterSummary),
    watch,
    durationMs: Math.round(performance.now() - startedMs),
  };
}
