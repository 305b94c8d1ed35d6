// The rotation's decisions that need no I/O: how a failed step resolves, where the grace period
// stands, whether a record has moved past a phase (a retried step), and when the schedule starts
// or resumes a rotation. Pure: time comes in as `now`, errors as their kind.
import {
  FORWARD_PHASES,
  isPublished,
  isRotationDue,
  isTerminal,
  RotationPhase,
  type RotationRecord,
} from './rotation';

/** How a failed step of a rotation ends. */
export const FailureResolution = {
  /** Another run moved the record (a lost conditional write): stop, redo nothing. */
  stop: 'stop',
  /** Nothing reached Redis yet: drop what was stored and close the rotation as rolled back. */
  closeRolledBack: 'close-rolled-back',
  /** Before publishing: the record becomes `rolling-back`; the old password stays the only one. */
  rollBack: 'roll-back',
  /** At or after publishing the platforms read the new password: report, resume forward later. */
  rollForward: 'roll-forward',
  /** A rollback attempt failed: report, attempt it again later. */
  retryRollback: 'retry-rollback',
} as const;
export type FailureResolution = (typeof FailureResolution)[keyof typeof FailureResolution];

/** What went wrong, as far as the policy cares. */
export type FailureKind = 'conflict' | 'failure';

/** How a step that failed in `phase` resolves (DESIGN.md: back before step 6, forward after). */
export function resolveFailure(phase: RotationPhase, kind: FailureKind): FailureResolution {
  if (kind === 'conflict' || isTerminal(phase)) return FailureResolution.stop;
  if (phase === RotationPhase.rollingBack) return FailureResolution.retryRollback;
  if (isPublished(phase)) return FailureResolution.rollForward;
  if (phase === RotationPhase.started) return FailureResolution.closeRolledBack;
  return FailureResolution.rollBack;
}

/** Milliseconds until a published rotation's grace period ends; 0 when it is not in one. */
export function graceRemainingMs(record: RotationRecord, now: Date): number {
  if (record.phase !== RotationPhase.published || !record.graceEndsAt) return 0;
  return Math.max(0, Date.parse(record.graceEndsAt) - now.getTime());
}

/** Whole seconds until the grace period ends (rounded up, so a wait never ends early); 0 outside. */
export function graceSeconds(record: RotationRecord, now: Date): number {
  return Math.ceil(graceRemainingMs(record, now) / 1000);
}

/**
 * True when a rotation now in `current` has moved on from `expected`: forward along the phases,
 * or into a rollback that only a phase before publishing can lead to. A retried step whose first
 * attempt committed finds its record there, and has nothing left to do.
 */
export function hasMovedPast(current: RotationPhase, expected: RotationPhase): boolean {
  const from = FORWARD_PHASES.indexOf(expected);
  const to = FORWARD_PHASES.indexOf(current);
  if (from >= 0 && to >= 0) return to > from;
  const isBeforePublish = from >= 0 && !isPublished(expected);
  if (current === RotationPhase.rollingBack) return isBeforePublish;
  if (current === RotationPhase.rolledBack)
    return isBeforePublish || expected === RotationPhase.rollingBack;
  return false;
}

/** After a rollback, a scheduled rotation waits this long before trying again. */
export const RETRY_AFTER_ROLLBACK_MS = 60 * 60_000;

export interface ScheduleInput {
  /** The cluster's latest rotation, if any. */
  readonly record: Pick<RotationRecord, 'phase' | 'completedAt' | 'updatedAt'> | undefined;
  /** Whether a rotation lock is held and unexpired. */
  readonly isLocked: boolean;
  /** `rotation.everyDays` of the inventory. */
  readonly everyDays: number | undefined;
  readonly now: Date;
}

/** What a scheduler tick does for one cluster. */
export type ScheduleAction = 'none' | 'resume' | 'start';

/**
 * A live lock means someone runs it; a rotation in flight is resumed (finished after its grace
 * period, or taken over from a crashed runner); otherwise one starts when due, but not within
 * an hour of a rollback (the cause is likely still there).
 */
export function scheduledRotation(input: ScheduleInput): ScheduleAction {
  const { record, now } = input;
  if (input.isLocked) return 'none';
  if (record && !isTerminal(record.phase)) return 'resume';
  const isDue = isRotationDue(
    input.everyDays,
    record?.phase === RotationPhase.completed ? record.completedAt : null,
    now,
  );
  const isCoolingDown =
    record?.phase === RotationPhase.rolledBack &&
    now.getTime() - Date.parse(record.updatedAt) < RETRY_AFTER_ROLLBACK_MS;
  return isDue && !isCoolingDown ? 'start' : 'none';
}
