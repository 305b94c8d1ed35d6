// CloudEvents 1.0 envelopes for everything redis-ha tells subscribers. Pure.
// An event id is derived from its cause, so a retry after a crash repeats the same id.
// No event ever carries a secret: data holds addresses, codes and counts only.
import { createHash } from 'node:crypto';

export const EventType = {
  masterChanged: 'redis-ha.master.changed',
  healthChanged: 'redis-ha.health.changed',
  sentinelsDisagree: 'redis-ha.sentinels.disagree',
  rotationStarted: 'redis-ha.rotation.started',
  rotationSucceeded: 'redis-ha.rotation.succeeded',
  rotationCompleted: 'redis-ha.rotation.completed',
  rotationRolledBack: 'redis-ha.rotation.rolled-back',
  rotationFailed: 'redis-ha.rotation.failed',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

export const EventSeverity = { info: 'info', warning: 'warning', critical: 'critical' } as const;
export type EventSeverity = (typeof EventSeverity)[keyof typeof EventSeverity];

/** A CloudEvents 1.0 structured-mode JSON event. */
export interface CloudEvent<T = Record<string, unknown>> {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: EventType;
  /** The cluster's name. */
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  /** Extension attribute (lowercase per the spec) that subscribers filter on. */
  readonly severity: EventSeverity;
  readonly data: T;
}

/** Deterministic id: the same cause always yields the same id. */
export function eventId(cluster: string, type: EventType, cause: string): string {
  return createHash('sha256')
    .update(`${cluster}\u0000${type}\u0000${cause}`)
    .digest('hex')
    .slice(0, 32);
}

export interface EventInput<T> {
  readonly source: string;
  readonly type: EventType;
  readonly cluster: string;
  readonly cause: string;
  readonly severity: EventSeverity;
  readonly time: Date;
  readonly data: T;
}

export function buildEvent<T extends Record<string, unknown>>(input: EventInput<T>): CloudEvent<T> {
  return {
    specversion: '1.0',
    id: eventId(input.cluster, input.type, input.cause),
    source: input.source,
    type: input.type,
    subject: input.cluster,
    time: input.time.toISOString(),
    datacontenttype: 'application/json',
    severity: input.severity,
    data: input.data,
  };
}
