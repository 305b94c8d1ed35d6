// The custom metrics the alarms watch. The handlers emit them with Powertools Metrics (EMF) in
// the namespace below, with only Powertools' default `service` dimension (the function's
// POWERTOOLS_SERVICE_NAME, the same for every function): an alarm matches a metric only when
// the dimensions match exactly, so add no other dimension to these four.

/** CloudWatch namespace of every redis-ha metric (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'redis-ha';

/** POWERTOOLS_SERVICE_NAME of every function, and so the `service` dimension of the metrics. */
export const SERVICE_NAME = 'redis-ha';

/** Metric names (unit Count) the handlers emit. */
export const ControlPlaneMetric = {
  /** Probe handler: one per cluster whose verdict is critical, per probe. */
  criticalVerdicts: 'CriticalVerdicts',
  /** Probe handler: one per cluster whose sentinels name different masters, per probe. */
  splitBrain: 'SplitBrain',
  /**
   * Rotation handler: one per rollback it completes (an execution that ends NeedsAttention
   * never reaches the handler again: the ExecutionsFailed alarm covers it).
   */
  rotationsFailed: 'RotationsFailed',
  /** Probe handler: one per completed run (every cluster probed), the heartbeat. */
  probeRuns: 'ProbeRuns',
} as const;
export type ControlPlaneMetric = (typeof ControlPlaneMetric)[keyof typeof ControlPlaneMetric];
