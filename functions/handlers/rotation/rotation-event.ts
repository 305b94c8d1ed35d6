// What the rotation function receives: the rotation-check schedule's `{ action: 'schedule' }`, or
// one task of the state machine (lib/rotation-contract.ts), mapped here onto the strict input of
// runRotationTask (functions/core/rotation-task-input.ts). Never reads or logs a secret: the
// payloads hold none, and a caught failure's `Cause` is dropped unread.
import * as z from 'zod/mini';
import { RedisHaError } from '../../core/errors';
import { parseRotationTaskInput, type RotationTaskInput } from '../../core/rotation-task-input';
import { RotationTaskError } from '../../../lib/rotation-contract';

/** The rotation-check schedule's event (lib/rotation-contract.ts `RotationScheduleInput`). */
export interface ScheduleEvent {
  readonly action: 'schedule';
}

/** A task of the state machine, as runRotationTask takes it, plus what only the handler reads. */
export interface TaskEvent {
  /** runRotationTask's input: the Step Functions payload without `request` and `failure`. */
  readonly input: Record<string, unknown>;
  readonly action: 'start' | 'advance' | 'rollback';
  readonly cluster: string;
  readonly rotationId: string;
  /** `advance` only: the phase the record must be in. */
  readonly expectedPhase: string | undefined;
  /** `rollback` only: the error name Step Functions caught (never its `Cause`). */
  readonly failureName: string | undefined;
}

export type RotationEvent = ScheduleEvent | TaskEvent;

// Only the fields the mapping reads; the rest is the strict schema of the core.
const envelopeSchema = z.object({
  action: z.enum(['schedule', 'start', 'advance', 'rollback']),
  // `$$.Execution.Input`: the starter's input; other fields are the starter's business.
  request: z.optional(z.object({ gracePeriodMs: z.optional(z.number()) })),
  failure: z.optional(z.object({ Error: z.string() })),
});

/** The error a task fails with when its payload does not fit: not retried, Catch routes it. */
export function badInput(message: string): RedisHaError {
  const error = new RedisHaError('BAD_ROTATION_TASK_INPUT', `rotation task input: ${message}`);
  error.name = RotationTaskError.badInput;
  return error;
}

/**
 * `event` as a schedule tick or a task, or a BadRotationTaskInput error naming the wrong field.
 * `start` takes `gracePeriodMs` from `request` (the execution input, where an absent option
 * cannot break a JSONPath reference); `rollback` drops `failure` after keeping its name.
 */
export function parseRotationEvent(event: unknown): RotationEvent {
  const result = envelopeSchema.safeParse(event);
  if (!result.success) {
    throw badInput(
      result.error.issues
        .map((issue) => `${issue.path.join('.') || '(event)'}: ${expected(issue)}`)
        .join('; '),
    );
  }
  const envelope = result.data;
  if (envelope.action === 'schedule') {
    const extra = Object.keys(event as object).filter((key) => key !== 'action');
    if (extra.length > 0) throw badInput(`unknown field(s) ${extra.join(', ')} for schedule`);
    return { action: 'schedule' };
  }
  const { request, failure, ...rest } = event as Record<string, unknown>;
  const gracePeriodMs = envelope.request?.gracePeriodMs;
  if (envelope.action !== 'start' && request !== undefined)
    throw badInput(`request: only a start takes one`);
  if (envelope.action !== 'rollback' && failure !== undefined)
    throw badInput(`failure: only a rollback takes one`);
  const input = { ...rest, ...(gracePeriodMs === undefined ? {} : { gracePeriodMs }) };
  let task: RotationTaskInput;
  try {
    task = parseRotationTaskInput(input);
  } catch (error) {
    // The core's BAD_ROTATION_TASK_INPUT, named for Step Functions.
    if (error instanceof Error) error.name = RotationTaskError.badInput;
    throw error;
  }
  return {
    action: task.action,
    input,
    cluster: task.cluster,
    rotationId: task.rotationId,
    expectedPhase: task.expectedPhase,
    failureName: envelope.failure?.Error,
  };
}

// zod/mini ships no locale (every message is "Invalid input"): say what was expected.
function expected(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  if (issue.code === 'invalid_value')
    return `expected one of ${issue.values.map(String).join(', ')}`;
  return issue.message;
}
