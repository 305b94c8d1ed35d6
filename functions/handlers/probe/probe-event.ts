// The events the probe function accepts: the schedule's tick (any object without `clusters` or
// `Records`; lib/probe-contract.ts ProbeTickInput), the API's on-demand probe
// `{ clusters: [name] }`, and an SNS delivery from an ElastiCache notification topic. A malformed
// request is refused with what is wrong and where; a malformed SNS record is reported, not thrown.
import * as z from 'zod/mini';
import { RedisHaError } from '../../core/errors';
import { isSnsEvent, parseSnsNotifications, type NotificationRecord } from './sns-notification';

const ProbeRequestSchema = z.object({
  clusters: z
    .array(z.string().check(z.minLength(1, 'expected a cluster name')))
    .check(z.minLength(1, 'expected at least one cluster name')),
});

/** A tick: probe every cluster, then watch. Its fields only go to the logs. */
export interface ProbeTick {
  readonly kind: 'tick';
  readonly executionId?: string;
  readonly scheduledTime?: string;
}

/** An on-demand probe of these clusters (no watch). */
export interface ProbeRequest {
  readonly kind: 'request';
  readonly clusters: readonly string[];
}

/** ElastiCache notifications: reconcile the clusters they name, at once (no watch). */
export interface ProbeNotification {
  readonly kind: 'notification';
  readonly records: readonly NotificationRecord[];
}

export type ProbeEvent = ProbeTick | ProbeRequest | ProbeNotification;

export class BadProbeEventError extends RedisHaError {
  constructor(message: string) {
    super('BAD_PROBE_EVENT', message);
    this.name = 'BadProbeEventError';
  }
}

/** Reads a Lambda event; throws BadProbeEventError naming the field when it is neither shape. */
export function parseProbeEvent(event: unknown): ProbeEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    throw new BadProbeEventError(
      `probe event: expected an object (a schedule tick, { "clusters": [name] } or an SNS delivery), got ${event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event}`,
    );
  if (isSnsEvent(event)) return { kind: 'notification', records: parseSnsNotifications(event) };
  if (!('clusters' in event)) {
    const { executionId, scheduledTime } = event as Record<string, unknown>;
    return {
      kind: 'tick',
      ...(typeof executionId === 'string' ? { executionId } : {}),
      ...(typeof scheduledTime === 'string' ? { scheduledTime } : {}),
    };
  }
  const result = ProbeRequestSchema.safeParse(event);
  if (!result.success)
    throw new BadProbeEventError(
      `probe event: ${result.error.issues
        .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
        .join('; ')}`,
    );
  return { kind: 'request', clusters: [...new Set(result.data.clusters)] };
}

/** `clusters[0]` from an issue's path. */
function formatPath(path: readonly PropertyKey[]): string {
  const text = path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i ? '.' : ''}${String(key)}`))
    .join('');
  return text || '(event)';
}
