// What the probe function answers and logs per cluster: verdicts, events and parameter names
// only, never a secret (an error is its code and message: ours never hold one).
import { RedisHaError } from '../../core/errors';
import type { ClusterOutcome } from '../../control/reconcile-all';
import type { ReconcileReport } from '../../control/reconcile';
import type { CorrelatedLogger } from '../shared/powertools-logger';

/** One cluster's probe as the API and the logs see it; never holds a secret. */
export type ClusterResult =
  | ({ readonly outcome: 'reconciled' } & ReconcileReport)
  | { readonly cluster: string; readonly outcome: 'failed'; readonly error: ErrorSummary }
  | { readonly cluster: string; readonly outcome: 'aborted' };

export interface ErrorSummary {
  readonly code: string;
  readonly message: string;
}

/** What an on-demand probe answers. */
export interface ProbeRequestResponse {
  readonly kind: 'request';
  readonly runId: string;
  readonly results: readonly ClusterResult[];
}

/** One cluster's probe in a small answer: its outcome, verdict status and event types. */
export interface ClusterSummary {
  readonly cluster: string;
  readonly outcome: ClusterOutcome['kind'];
  readonly status?: string;
  readonly events?: readonly string[];
}

/** What a tick answers (kept small: asynchronous invocations discard it, the logs keep it). */
export interface ProbeTickSummary {
  readonly kind: 'tick';
  readonly runId: string;
  readonly clusters: readonly ClusterSummary[];
  readonly watch: {
    readonly durationMs: number;
    readonly sentinelEvents: number;
    readonly probes: number;
    /** Event types this run published while watching. */
    readonly eventsPublished: readonly string[];
  };
  readonly durationMs: number;
}

/** What one ElastiCache notification led to. */
export interface NotificationSummary {
  readonly messageId?: string;
  /** Event names without the `ElastiCache:` prefix (none when the record was not understood). */
  readonly events: readonly string[];
  /** `reconcile`, or why the notification was ignored. */
  readonly action: 'reconcile' | 'informational' | 'no-cluster' | 'no-event' | 'not-understood';
  /** Inventory clusters it names. */
  readonly clusters: readonly string[];
}

/** What an SNS delivery answers (asynchronous: the logs keep it). */
export interface ProbeNotificationSummary {
  readonly kind: 'notification';
  readonly runId: string;
  readonly notifications: readonly NotificationSummary[];
  /** Each named cluster once, however many notifications named it. */
  readonly clusters: readonly ClusterSummary[];
}

export type ProbeResponse = ProbeRequestResponse | ProbeTickSummary | ProbeNotificationSummary;

export function clusterResult(outcome: ClusterOutcome): ClusterResult {
  switch (outcome.kind) {
    case 'reconciled':
      return { outcome: 'reconciled', ...outcome.report };
    case 'failed':
      return { cluster: outcome.cluster, outcome: 'failed', error: errorSummary(outcome.error) };
    case 'aborted':
      return { cluster: outcome.cluster, outcome: 'aborted' };
  }
}

export function clusterSummary(outcome: ClusterOutcome): ClusterSummary {
  return {
    cluster: outcome.cluster,
    outcome: outcome.kind,
    ...(outcome.kind === 'reconciled'
      ? { status: outcome.report.verdict.status, events: outcome.report.events.map((e) => e.type) }
      : {}),
  };
}

/** Code and message only: ours never hold a secret; the stack and causes stay out. */
function errorSummary(error: unknown): ErrorSummary {
  if (error instanceof RedisHaError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.name : 'unknown error' };
}

export function logOutcome(logger: CorrelatedLogger, outcome: ClusterOutcome): void {
  if (outcome.kind !== 'reconciled') {
    logger.warn('cluster not probed to the end', {
      cluster: outcome.cluster,
      outcome: outcome.kind,
    });
    return;
  }
  const { report } = outcome;
  logger.info('cluster probed', {
    cluster: report.cluster,
    status: report.verdict.status,
    isConfirmed: report.verdict.isConfirmed,
    reasons: report.verdict.reasons.map((r) => r.code),
    events: report.events.map((e) => e.type),
    parametersWritten: report.parametersWritten.length,
    ...(report.isConflict ? { isConflict: true } : {}),
    durationMs: Math.round(report.durationMs),
  });
}
