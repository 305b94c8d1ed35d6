// The events the probe function receives: the schedule's tick (asynchronous; probe every
// cluster, then watch until shortly before the next tick), the API's on-demand probe
// (synchronous; probe the named clusters once and answer with their reports, no watch), and SNS
// deliveries from the ElastiCache notification topics (lib/elasticache-notifications.ts; AWS's
// own shape, reconcile the group named at once).
// Types only: lib/ imports no runtime code.

/** Sent every minute by the probe schedule (EventBridge Scheduler context attributes). */
export interface ProbeTickInput {
  readonly kind: 'tick';
  /** When the tick was due (ISO 8601): the run's deadline is measured from it. */
  readonly scheduledTime: string;
  /** Scheduler's id of this invocation, for the logs' correlation id. */
  readonly executionId: string;
}

/** Sent by the API's `POST /clusters/{name}/probe` (RequestResponse invoke). */
export interface ProbeRequestInput {
  readonly clusters: readonly string[];
}
