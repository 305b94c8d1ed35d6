// The input and output of one rotation task of the Step Functions state machine, validated at
// the boundary (zod/mini: small Lambda bundles). An output is a valid input of the next state:
// its `phase` stands for `expectedPhase` and its `graceSeconds` is ignored. Never holds a secret.
import * as z from 'zod/mini';
import { RedisHaError } from './errors';
import { describeIssues } from './zod-mini-issues';
import { RotationPhase, type RotationRecord } from './rotation';
import { graceSeconds } from './rotation-policy';

const PHASES = Object.values(RotationPhase) as [RotationPhase, ...RotationPhase[]];

/** What a task does: begin a rotation, run its next phase, or roll it back (before publishing). */
export const RotationTaskAction = {
  start: 'start',
  advance: 'advance',
  rollback: 'rollback',
} as const;
export type RotationTaskAction = (typeof RotationTaskAction)[keyof typeof RotationTaskAction];

export const rotationTaskInputSchema = z.strictObject({
  action: z.enum(['start', 'advance', 'rollback']),
  cluster: z.string().check(z.minLength(1)),
  /** The Step Functions execution name; it also holds the rotation's lock. */
  rotationId: z.string().check(z.minLength(1), z.maxLength(128)),
  /** The phase the record must be in for `advance` (a retry finding it further on is a no-op). */
  expectedPhase: z.optional(z.enum(PHASES)),
  /** A previous task's output: stands for `expectedPhase` when that is absent. */
  phase: z.optional(z.enum(PHASES)),
  /** A previous task's output; ignored. */
  graceSeconds: z.optional(z.number().check(z.int(), z.nonnegative())),
  actor: z.string().check(z.minLength(1)),
  isForced: z.boolean(),
  /** `start` only: overrides the inventory's grace period. */
  gracePeriodMs: z.optional(z.number().check(z.int(), z.nonnegative())),
});

export type RotationTaskInput = z.infer<typeof rotationTaskInputSchema>;

/** What every task returns; shaped to be the next state's input. */
export interface RotationTaskOutput {
  readonly cluster: string;
  readonly rotationId: string;
  readonly actor: string;
  readonly isForced: boolean;
  readonly phase: RotationPhase;
  /** Whole seconds until the grace period ends (for a `Wait` state's `SecondsPath`); 0 outside. */
  readonly graceSeconds: number;
}

/** `value` as a task input, or a BAD_ROTATION_TASK_INPUT error naming each wrong field. */
export function parseRotationTaskInput(value: unknown): RotationTaskInput {
  const result = rotationTaskInputSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = describeIssues(result.error.issues, '(input)');
  throw new RedisHaError('BAD_ROTATION_TASK_INPUT', `rotation task input: ${problems}`);
}

/** The phase `advance` expects the record in, when the input names one. */
export function expectedPhaseOf(input: RotationTaskInput): RotationPhase | undefined {
  return input.expectedPhase ?? input.phase;
}

/** The task output for `record` at `now`. */
export function rotationTaskOutput(record: RotationRecord, now: Date): RotationTaskOutput {
  return {
    cluster: record.cluster,
    rotationId: record.rotationId,
    actor: record.actor,
    isForced: record.isForced,
    phase: record.phase,
    graceSeconds: graceSeconds(record, now),
  };
}
