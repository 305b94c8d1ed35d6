// One task of the Step Functions rotation: start a rotation, run its next phase, or roll it back,
// in a Lambda that remembers nothing from the previous task (the record and the parameter store
// carry everything). The execution name is the rotation id and holds the lock. A retried task
// whose first attempt committed returns the record as it is, so retries are harmless. Errors
// that a retry cannot fix carry a stable `name` for the state machine's Retry/Catch; a step
// waiting for ElastiCache fails `RotationNotReady`, which the machine retries patiently.
import { RedisHaError, StateConflictError } from '../core/errors';
import type { Cluster } from '../core/inventory';
import { isPublished, isTerminal, type RotationRecord } from '../core/rotation';
import { hasMovedPast } from '../core/rotation-policy';
import {
  expectedPhaseOf,
  parseRotationTaskInput,
  rotationTaskOutput,
  type RotationTaskInput,
  type RotationTaskOutput,
} from '../core/rotation-task-input';
import {
  RotationAbortRefusedError,
  RotationLockedError,
  RotationNotReadyError,
  RotationRefusedError,
} from './rotation-errors';
import {
  runRotationPhase,
  type RotationPhaseDeps,
  type RotationPhaseOptions,
  type RotationPhaseOutcome,
} from './rotation-phase';
import { acquireRotationLock, lockedError } from './rotation-lock';
import { beginRollback } from './rotation-rollback';
import { announceStarted, startRotation } from './rotation-start';
import { RotationTrail } from './rotation-trail';

/** No task runs longer than a Lambda may (15 min): a lock outlives a dead task by at most that. */
export const TASK_LEASE_MS = 15 * 60_000;

/** The `name` of each error a retry cannot fix; the state machine does not retry these. */
export const RotationTaskErrorName = {
  /** The cluster's verdict, a node without a config file, or a rollback after publishing. */
  refused: 'RotationRefused',
  /** Another rotation of the cluster holds its lock or is in flight. */
  locked: 'RotationLocked',
  /** The record is not where this task expects it, nor past it: another run moved it. */
  conflict: 'StateConflict',
  /** The task's input does not match its schema. */
  badInput: 'BadRotationTaskInput',
} as const;
export type RotationTaskErrorName =
  (typeof RotationTaskErrorName)[keyof typeof RotationTaskErrorName];

/** The stable name of an error a retry cannot fix, or undefined for one worth retrying. */
export function rotationTaskErrorName(error: unknown): RotationTaskErrorName | undefined {
  if (error instanceof RotationRefusedError || error instanceof RotationAbortRefusedError)
    return RotationTaskErrorName.refused;
  if (error instanceof RotationLockedError) return RotationTaskErrorName.locked;
  if (error instanceof StateConflictError) return RotationTaskErrorName.conflict;
  if (error instanceof RedisHaError && error.code === 'BAD_ROTATION_TASK_INPUT')
    return RotationTaskErrorName.badInput;
  return undefined;
}

export interface RotationTaskOptions {
  /** How long the lock outlives a task that dies; TASK_LEASE_MS by default. */
  readonly leaseMs?: number;
  /** Aborted shortly before the Lambda's deadline: no step starts after that. */
  readonly signal?: AbortSignal;
}

/**
 * Runs one task for `cluster` (which must be the one `input.cluster` names) and returns the
 * output that the next state takes as input. `start` begins the rotation `input.rotationId`
 * (phase `started`); `advance` runs its next phase (in grace it returns at once with
 * `graceSeconds` > 0; a failure before publishing returns phase `rolling-back`); `rollback`
 * turns a rotation before publishing to its rollback and makes one attempt. Rejects with an
 * error named as in RotationTaskErrorName when retrying cannot help, RotationNotReadyError when
 * ElastiCache is still applying the step's change; any other error is worth retrying (the step
 * is idempotent).
 */
export async function runRotationTask(
  input: unknown,
  cluster: Cluster,
  deps: RotationPhaseDeps,
  options: RotationTaskOptions = {},
): Promise<RotationTaskOutput> {
  try {
    const task = parseRotationTaskInput(input);
    if (task.cluster !== cluster.name)
      throw new RedisHaError(
        'BAD_ROTATION_TASK_INPUT',
        `rotation task input: cluster: ${task.cluster} given, but the task runs for ${cluster.name}`,
      );
    const record = await runTask(task, cluster, deps, options);
    return rotationTaskOutput(record, deps.clock.now());
  } catch (error) {
    const name = rotationTaskErrorName(error);
    if (name && error instanceof Error) error.name = name;
    throw error;
  }
}

async function runTask(
  task: RotationTaskInput,
  cluster: Cluster,
  deps: RotationPhaseDeps,
  options: RotationTaskOptions,
): Promise<RotationRecord> {
  const phaseOptions = {
    holder: task.rotationId,
    leaseMs: options.leaseMs ?? TASK_LEASE_MS,
    actor: task.actor,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const stored = await deps.state.getRotation(cluster.name, task.rotationId);
  if (task.action === 'start') {
    // A retried start whose first attempt committed: the rotation exists, carry on with it
    // (announcing it, if that attempt died before it could).
    if (stored) {
      if (stored.phase === 'started') await announceStarted(cluster, deps, stored, task.actor);
      return stored;
    }
    return startRotation(cluster, deps, {
      rotationId: task.rotationId,
      actor: task.actor,
      isForced: task.isForced,
      holder: task.rotationId,
      leaseMs: phaseOptions.leaseMs,
      ...(task.gracePeriodMs !== undefined ? { gracePeriodMs: task.gracePeriodMs } : {}),
    });
  }
  if (!stored)
    throw new StateConflictError(`no rotation ${task.rotationId} of ${cluster.name} was started`);
  if (task.action === 'rollback') {
    if (isTerminal(stored.phase)) return stored;
    if (isPublished(stored.phase)) throw new RotationAbortRefusedError(cluster.name, stored);
    if (
      !(await acquireRotationLock(
        deps,
        cluster.name,
        task.rotationId,
        task.rotationId,
        phaseOptions.leaseMs,
      ))
    )
      throw await lockedError(deps, cluster.name);
    const reason = `rolled back by ${task.actor} at ${stored.phase}`;
    if (stored.phase !== 'rolling-back')
      await new RotationTrail(cluster, deps, task.actor).journal(
        stored,
        'rollback',
        'started',
        reason,
      );
    const rollingBack = await beginRollback(cluster, stored, deps, { ...phaseOptions, reason });
    return runPhase(cluster, rollingBack, deps, phaseOptions);
  }
  const expected = expectedPhaseOf(task) ?? stored.phase;
  if (stored.phase !== expected) return settled(stored, expected);
  try {
    return await runPhase(cluster, stored, deps, phaseOptions);
  } catch (error) {
    if (!(error instanceof StateConflictError)) throw error;
    // A concurrent attempt of this very task (a retry while the first still ran) committed it.
    const now = await deps.state.getRotation(cluster.name, task.rotationId);
    if (now && hasMovedPast(now.phase, expected)) return now;
    throw error;
  }
}

/** One phase; a step still waiting for ElastiCache rejects with RotationNotReadyError. */
async function runPhase(
  cluster: Cluster,
  record: RotationRecord,
  deps: RotationPhaseDeps,
  options: RotationPhaseOptions,
): Promise<RotationRecord> {
  const outcome: RotationPhaseOutcome = await runRotationPhase(cluster, record, deps, options);
  if (outcome.waitingFor)
    throw new RotationNotReadyError(cluster.name, outcome.record.phase, outcome.waitingFor);
  return outcome.record;
}

/** A record not in the expected phase: past it is a retry's no-op, elsewhere a conflict. */
function settled(record: RotationRecord, expected: RotationRecord['phase']): RotationRecord {
  if (hasMovedPast(record.phase, expected)) return record;
  throw new StateConflictError(
    `rotation ${record.rotationId} of ${record.cluster} is at ${record.phase}, not ${expected}: another run moved it`,
  );
}
