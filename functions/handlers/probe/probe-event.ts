// The two events the probe function accepts: the schedule's tick (any object without
// `clusters`; lib/probe-contract.ts ProbeTickInput) and the API's on-demand probe
// `{ clusters: [name] }`. A malformed event is refused with what is wrong and where.
import * as z from 'zod/mini';
import { RedisHaError } from '../../core/errors';

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

export type ProbeEvent = ProbeTick | ProbeRequest;

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
      `probe event: expected an object (a schedule tick, or { "clusters": [name] }), got ${event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event}`,
    );
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
