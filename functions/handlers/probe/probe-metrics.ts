// What the probe function tells CloudWatch, per run and per cluster probe, with the service
// dimension only (see ../shared/metrics.ts). The names the alarms watch are the same as
// lib/control-plane-metrics.ts ControlPlaneMetric (a test holds them equal).
import { EventType } from '../../core/events';
import { ReasonCode } from '../../core/reason';
import type { ReconcileReport } from '../../control/reconcile';
import type { MetricsRecorder } from '../shared/metrics';

export const ProbeMetric = {
  /** Count: one per scheduled run that probed every cluster (the "no probe" alarm's heartbeat). */
  probeRuns: 'ProbeRuns',
  /** Milliseconds: one value per cluster probe. */
  probeDuration: 'ProbeDuration',
  /** Count: one per probe whose verdict is critical. */
  criticalVerdicts: 'CriticalVerdicts',
  /**
   * Count: one per probe that saw two masters: a node answering ROLE master beside the one the
   * sentinels confirm (SPLIT_BRAIN), or sentinels naming different masters with no majority.
   */
  splitBrain: 'SplitBrain',
  /** Count: one per master.changed this run published (a failover it acted on). */
  failovers: 'Failovers',
  /** Milliseconds from a `+switch-master` this run heard to its publish + parameters written. */
  reactionTime: 'ReactionTime',
} as const;
export type ProbeMetric = (typeof ProbeMetric)[keyof typeof ProbeMetric];

/** Records one cluster probe. */
export function recordProbe(metrics: MetricsRecorder, report: ReconcileReport): void {
  metrics.milliseconds(ProbeMetric.probeDuration, report.durationMs);
  if (report.verdict.status === 'critical') metrics.count(ProbeMetric.criticalVerdicts);
  if (isSplitBrain(report)) metrics.count(ProbeMetric.splitBrain);
  const failovers = report.events.filter((e) => e.type === EventType.masterChanged).length;
  if (failovers > 0) metrics.count(ProbeMetric.failovers, failovers);
}

export function isSplitBrain(report: Pick<ReconcileReport, 'verdict'>): boolean {
  return report.verdict.reasons.some(
    (reason) =>
      reason.code === ReasonCode.splitBrain ||
      (reason.code === ReasonCode.sentinelsDisagree && reason.severity === 'critical'),
  );
}
