// The probe function's answer to ElastiCache notifications (SNS): reconcile each inventory cluster
// they name, once, at once, instead of at the next tick. The notification names only a node, so
// the reconcile re-describes the group before acting. A notification that is not understood,
// names no inventory group or only announces something is logged and ignored, never thrown: SNS
// invokes asynchronously and a redelivery would carry the same bytes.
import { planNotification, type NotificationPlan } from '../../core/elasticache-notification';
import type { Cluster } from '../../core/inventory';
import type { ClusterOutcome, ReconcileAllOptions } from '../../control/reconcile-all';
import type { ControlDeps } from '../../control/reconcile';
import type { ProbeNotification } from './probe-event';
import { recordProbe } from './probe-metrics';
import {
  clusterSummary,
  logOutcome,
  type NotificationSummary,
  type ProbeNotificationSummary,
} from './probe-response';
import type { ProbeHandlerDeps } from './probe-handler';
import type { NotificationRecord } from './sns-notification';

/** `reconcileAll`'s shape: the handler injects the real one, tests their own. */
export type ReconcileClusters = (
  clusters: readonly Cluster[],
  deps: ControlDeps,
  options: ReconcileAllOptions,
) => Promise<ClusterOutcome[]>;

export async function handleNotifications(
  event: ProbeNotification,
  deps: ProbeHandlerDeps,
  run: { readonly runId: string; readonly signal: AbortSignal; readonly nowMs: number },
  reconcile: ReconcileClusters,
): Promise<ProbeNotificationSummary> {
  const toReconcile = new Map<string, Cluster>();
  const notifications = event.records.map((record): NotificationSummary => {
    if (!record.ok) {
      deps.logger.warn('ElastiCache notification not understood; ignored', {
        ...(record.messageId ? { messageId: record.messageId } : {}),
        reason: record.problem,
      });
      return {
        ...(record.messageId ? { messageId: record.messageId } : {}),
        events: [],
        action: 'not-understood',
        clusters: [],
      };
    }
    const plan = planNotification(record.notification, deps.inventory.clusters);
    logPlan(deps, record, plan, run.nowMs);
    if (plan.kind === 'reconcile')
      for (const cluster of plan.clusters) toReconcile.set(cluster.name, cluster);
    return {
      ...(record.messageId ? { messageId: record.messageId } : {}),
      events: record.notification.events.map((e) => e.name),
      action: plan.kind === 'reconcile' ? 'reconcile' : plan.reason,
      clusters: plan.clusters.map((c) => c.name),
    };
  });

  const outcomes =
    toReconcile.size === 0
      ? []
      : await reconcile([...toReconcile.values()], deps.control, {
          runId: run.runId,
          signal: run.signal,
        });
  for (const outcome of outcomes) {
    if (outcome.kind === 'reconciled') recordProbe(deps.metrics, outcome.report);
    logOutcome(deps.logger, outcome);
  }
  return {
    kind: 'notification',
    runId: run.runId,
    notifications,
    clusters: outcomes.map(clusterSummary),
  };
}

function logPlan(
  deps: ProbeHandlerDeps,
  record: Extract<NotificationRecord, { ok: true }>,
  plan: NotificationPlan,
  nowMs: number,
): void {
  const { notification } = record;
  const fields = {
    ...(record.messageId ? { messageId: record.messageId } : {}),
    topicArn: record.topicArn,
    events: notification.events.map((e) => e.name),
    nodes: [...notification.events.map((e) => e.sourceId), ...notification.otherIds].filter(
      (id) => id !== '',
    ),
    ...ageOf(record.timestamp, nowMs),
  };
  if (plan.kind === 'reconcile') {
    deps.logger.info('ElastiCache notification: reconciling', {
      ...fields,
      clusters: plan.clusters.map((c) => c.name),
      ...(plan.unknownEvents.length > 0 ? { unknownEvents: plan.unknownEvents } : {}),
    });
  } else if (plan.reason === 'no-cluster') {
    deps.logger.warn('ElastiCache notification names no inventory cluster; ignored', {
      ...fields,
      ...(notification.region ? { region: notification.region } : {}),
    });
  } else {
    deps.logger.info('ElastiCache notification ignored', {
      ...fields,
      reason: plan.reason,
      clusters: plan.clusters.map((c) => c.name),
    });
  }
}

/** How long SNS held the message before this run read it. */
function ageOf(timestamp: string | undefined, nowMs: number): { ageMs?: number } {
  const sentMs = timestamp ? Date.parse(timestamp) : Number.NaN;
  return Number.isFinite(sentMs) ? { ageMs: Math.max(0, Math.round(nowMs - sentMs)) } : {};
}
