// The errors a rotation ends with when it does not run: locked by a live runner, in its grace
// period, refused (verdict, a node without a config file), or an abort past publishing. Each
// message says what to do next; none holds a secret.
import { RedisHaError } from '../core/errors';
import type { RotationPhase, RotationRecord } from '../core/rotation';

/** The lock is held by another runner, or another rotation of the cluster is in flight. */
export class RotationLockedError extends RedisHaError {
  constructor(cluster: string, detail: string, message?: string) {
    super('ROTATION_LOCKED', message ?? `cluster ${cluster} is already rotating (${detail})`);
  }
}

/** The rotation is published and its grace period runs: it can finish once that ends. */
export class RotationInGraceError extends RotationLockedError {
  constructor(cluster: string, record: RotationRecord, now: Date, finisher: string | null) {
    const endsAt = record.graceEndsAt ?? now.toISOString();
    const inSeconds = Math.max(0, Math.ceil((Date.parse(endsAt) - now.getTime()) / 1000));
    super(
      cluster,
      '',
      `rotation ${record.rotationId} of ${cluster} is published and in its grace period: the new password is live, the old one stays valid until ${endsAt} (in ${inSeconds} s). ` +
        (finisher
          ? `${finisher} is waiting to finish it then.`
          : `It can finish then: run \`redis-ha rotate ${cluster}\` (without --no-wait it waits for that) or let \`redis-ha watch\` finish it.`),
    );
  }
}

/** The cluster's verdict is not ok and the rotation was not forced, or a node forbids it. */
export class RotationRefusedError extends RedisHaError {
  constructor(cluster: string, detail: string, isForceable = true) {
    super(
      'ROTATION_REFUSED',
      `refusing to rotate ${cluster}: ${detail}${isForceable ? ' (use --force to rotate anyway)' : ''}`,
    );
  }
}

/** `--abort` of a rotation past publishing: rolling back would cut the platforms off. */
export class RotationAbortRefusedError extends RedisHaError {
  constructor(cluster: string, record: RotationRecord) {
    super(
      'ROTATION_ABORT_REFUSED',
      `cannot abort rotation ${record.rotationId} of ${cluster}: it is past publishing (phase ${record.phase}), so the platforms already read the new password and rolling back would cut them off. ` +
        `Run \`redis-ha rotate ${cluster}\` again to roll it forward instead${record.graceEndsAt ? ` (it removes the old password once the grace period ends at ${record.graceEndsAt})` : ''}.`,
    );
  }
}

/**
 * A step failed where the rotation resumes instead of rolling back: at or after publishing (the
 * platforms read the new password, so it rolls forward) or during a rollback. Running the same
 * phase again resumes it. The detail is redacted: no secret.
 */
export class RotationStepError extends RedisHaError {
  readonly willResume = true;
  constructor(
    cluster: string,
    readonly phase: RotationPhase,
    detail: string,
  ) {
    super(
      'ROTATION_FAILED',
      `rotation of ${cluster} failed at ${phase}: ${detail}; run it again to resume`,
    );
  }
}

/**
 * A rotation task found its step under way but not done (ElastiCache still applying a change):
 * nothing is wrong, run the same task again later. Its `name` is the one the state machine
 * retries with a patient backoff (lib/rotation-contract.ts `ROTATION_NOT_READY`).
 */
export class RotationNotReadyError extends RedisHaError {
  static readonly errorName = 'RotationNotReady';
  constructor(cluster: string, phase: RotationPhase, waitingFor: string) {
    super('ROTATION_NOT_READY', `rotation of ${cluster} at ${phase} is waiting for ${waitingFor}`);
    this.name = RotationNotReadyError.errorName;
  }
}

/** What `abort` did: nothing in flight, or the rotation it rolled back. */
export interface AbortOutcome {
  readonly record: RotationRecord | undefined;
  readonly wasInFlight: boolean;
}
