// Custom metrics of the redis-ha functions, as CloudWatch EMF through Powertools Metrics. Only the
// `service` dimension, never a per-cluster one: each distinct dimension set is a billed custom
// metric ($0.30/month each), and the alarms in lib/ match the service dimension exactly.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** CloudWatch namespace of every redis-ha metric (lib/control-plane-metrics.ts says the same). */
export const METRICS_NAMESPACE = 'redis-ha';
/** The `service` dimension of every redis-ha metric (lib/control-plane-metrics.ts SERVICE_NAME). */
export const SERVICE_NAME = 'redis-ha';

/** What a handler records; flushed as one EMF line per invocation by the logMetrics middleware. */
export interface MetricsRecorder {
  count(name: string, value?: number): void;
  milliseconds(name: string, value: number): void;
}

/**
 * A Powertools Metrics in the redis-ha namespace with the redis-ha service dimension, whatever
 * the environment says: the alarms in lib/ are defined on exactly these.
 */
export function redisHaMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
}

export function powertoolsRecorder(metrics: Metrics): MetricsRecorder {
  return {
    count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value),
    milliseconds: (name, value) =>
      metrics.addMetric(name, MetricUnit.Milliseconds, Math.max(0, Math.round(value))),
  };
}
