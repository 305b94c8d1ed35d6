// The contract between the rotation state machine (lib/rotation-state-machine.ts) and the
// rotation Lambda (functions/handlers/rotation): what each task sends, what it must return, and
// which error names stop the retries. Types and constants only: lib/ imports no runtime code,
// so the phase names are spelled here and a test holds them equal to functions/core/rotation.ts.

/**
 * Rotation phases (functions/core/rotation.ts `RotationPhase`). Each names the last step that
 * is done.
 */
export type RotationPhaseName =
  | 'started'
  | 'pending-stored'
  | 'nodes-added'
  | 'sentinels-updated'
  | 'verified'
  | 'published'
  | 'old-removed'
  | 'completed'
  | 'rolling-back'
  | 'rolled-back';

/**
 * What starts an execution (the API's `POST /clusters/{name}/rotations`, or the rotation
 * function's `schedule` action), and what every task passes on to the next.
 */
export interface RotationExecutionInput {
  /** Cluster name, as in the inventory. */
  readonly cluster: string;
  /** Id of this rotation; also the lock owner, so every task of the rotation holds the lease. */
  readonly rotationId: string;
  /** Who asked: the API caller's IAM ARN, or `schedule`. */
  readonly actor: string;
  /** Rotate even when the cluster's verdict is not ok. */
  readonly isForced: boolean;
}

/**
 * The execution's input as the starter sent it: the common fields plus the options only
 * `start` reads. Optional fields cannot be JSONPath-referenced (a missing path fails the
 * state), so `start` gets this whole object from the context (`$$.Execution.Input`).
 */
export interface RotationStartRequest extends RotationExecutionInput {
  /** Grace period for this rotation instead of the inventory's `rotation.gracePeriod`. */
  readonly gracePeriodMs?: number;
}

/** The step a task asks the rotation function to run. */
export type RotationTaskAction = 'start' | 'advance' | 'rollback';

/**
 * The payload of every rotation task (`LambdaInvoke` with `payloadResponseOnly`).
 * - `start`: take the lock (owner = `rotationId`) and record the rotation in phase `started`.
 *   A retry that finds the record of the same `rotationId` returns it.
 * - `advance`: run the one step after `expectedPhase`. The record must be in `expectedPhase`; a
 *   record already one phase further with the same `rotationId` means an earlier attempt did
 *   the step, so it is returned as done. Any other phase throws `StateConflict`. A step before
 *   Publish that fails turns the record `rolling-back` and throws `RotationStepFailed` (not
 *   retried: Catch → RollBack); `RemoveOld` inside the grace period throws `GracePeriodRunning`
 *   (retried). A step whose ElastiCache change is still being applied throws `RotationNotReady`
 *   (retried for up to about an hour: a token change can take many minutes).
 * - `rollback`: undo a rotation that has not published (old password stays the only one);
 *   a rotation that has no record (its start never committed) is already rolled back: its lock,
 *   if taken, is released. `failure` is only logged (its `Error`), never its `Cause`.
 *
 * The function maps this payload onto functions/core/rotation-task-input.ts (a strict schema):
 * `request.gracePeriodMs` becomes `gracePeriodMs`, `failure` is dropped.
 */
export type RotationTaskInput =
  | (RotationExecutionInput & {
      readonly action: 'start';
      /** The execution's input, with the options the common fields leave out. */
      readonly request: RotationStartRequest;
    })
  | (RotationExecutionInput & {
      readonly action: 'advance';
      /** The phase the record must be in; the step leads to the phase after it. */
      readonly expectedPhase: RotationPhaseName;
    })
  | (RotationExecutionInput & {
      readonly action: 'rollback';
      /** The failure that led here, as Step Functions caught it (no secret in it). */
      readonly failure: { readonly Error: string; readonly Cause?: string };
    });

/** What every rotation task returns: the execution input plus where the rotation stands. */
export interface RotationTaskOutput extends RotationExecutionInput {
  /** The record's phase after the step. */
  readonly phase: RotationPhaseName;
  /** Length of the grace period (from the inventory): the `WaitGrace` state waits this long. */
  readonly graceSeconds: number;
}

/**
 * The rotation function's other event: sent by the rotation-check schedule. It starts an
 * execution (name = rotation id) for every cluster whose `rotation.everyDays` says it is due,
 * and finishes nothing itself.
 */
export interface RotationScheduleInput {
  readonly action: 'schedule';
}

/**
 * Error names (the thrown error's `name`, which Lambda reports as the error type) that the
 * state machine does not retry: retrying cannot change the answer. The rotation function
 * (functions/handlers/rotation) throws exactly these; a test holds them equal to
 * functions/control/rotation-task.ts `RotationTaskErrorName`.
 */
export const RotationTaskError = {
  /** The cluster's verdict forbids it and the rotation is not forced, or a node forbids it. */
  refused: 'RotationRefused',
  /** Another rotation holds the cluster's lock. */
  locked: 'RotationLocked',
  /** The record is not in the expected phase (another run moved it). */
  conflict: 'StateConflict',
  /** The task's payload does not match the contract (or names a cluster not in the inventory). */
  badInput: 'BadRotationTaskInput',
  /**
   * A step before Publish failed and the core already turned the record to `rolling-back` (or
   * closed it `rolled-back` when nothing had reached Redis): the core decides on the first
   * failure, so a retry would only find the same record. The Catch sends it to RollBack.
   */
  stepFailed: 'RotationStepFailed',
} as const;
export type RotationTaskError = (typeof RotationTaskError)[keyof typeof RotationTaskError];

/** The names among RotationTaskError that end a `start` as NotStarted: nothing was changed. */
export const START_REFUSALS = [
  RotationTaskError.refused,
  RotationTaskError.locked,
  RotationTaskError.conflict,
  RotationTaskError.badInput,
] as const satisfies readonly RotationTaskError[];

/**
 * A retryable error name: `RemoveOld` ran while the record's grace period still runs (the
 * `WaitGrace` state ended early, e.g. a clock skew between Step Functions and the function).
 * Nothing was changed; the retry's backoff waits out the rest.
 */
export const GRACE_PERIOD_RUNNING = 'GracePeriodRunning';

/**
 * A retryable error name: the step is under way but ElastiCache is still applying its change
 * (a replication group `modifying` after ModifyReplicationGroup, an RBAC user `modifying` or
 * answering InvalidUserState after ModifyUser). Nothing is wrong and no Lambda waits: the state
 * retries the task with a patient backoff, each attempt one look at the group or user. The
 * rotation function throws it as functions/control/rotation-errors.ts `RotationNotReadyError`.
 */
export const ROTATION_NOT_READY = 'RotationNotReady';

/** How a failed execution ends (the `Fail` states' `Error`). */
export const RotationFailure = {
  /** Start was refused or locked: nothing changed. */
  notStarted: 'NotStarted',
  /** A step before Publish failed; the rotation was rolled back. */
  rolledBack: 'RolledBack',
  /** A step at or after Publish (or the rollback) kept failing: an operator must look. */
  needsAttention: 'NeedsAttention',
} as const;

/** The forward steps: state name, the phase the record must be in, the phase it leads to. */
export const ROTATION_STEPS = [
  { state: 'StorePending', expectedPhase: 'started', phase: 'pending-stored' },
  { state: 'AddPassword', expectedPhase: 'pending-stored', phase: 'nodes-added' },
  { state: 'UpdateSentinels', expectedPhase: 'nodes-added', phase: 'sentinels-updated' },
  { state: 'Verify', expectedPhase: 'sentinels-updated', phase: 'verified' },
  { state: 'Publish', expectedPhase: 'verified', phase: 'published' },
  { state: 'RemoveOld', expectedPhase: 'published', phase: 'old-removed' },
  { state: 'Finish', expectedPhase: 'old-removed', phase: 'completed' },
] as const satisfies readonly {
  state: string;
  expectedPhase: RotationPhaseName;
  phase: RotationPhaseName;
}[];
