// Runs ONE phase of a rotation record and returns the next record: the unit that the local
// driver loops over and that one Step Functions task runs in a fresh Lambda. Secrets are read
// from the parameter store in every call (nothing survives between calls) and never reach the
// record, journal, events, errors or logs. Each write is conditional on the phase this call
// started from, so two runners never both commit a step.
import { redact, RedisHaError, StateConflictError } from '../core/errors';
import { EventType } from '../core/events';
import type { Cluster } from '../core/inventory';
import { isTerminal, nextPhase, type RotationPhase, type RotationRecord } from '../core/rotation';
import { graceRemainingMs, resolveFailure } from '../core/rotation-policy';
import { noFaults } from './fault-points';
import type { ControlDeps } from './reconcile';
import { RotationStepError } from './rotation-errors';
import { acquireRotationLock, lockedError } from './rotation-lock';
import { mechanicsFor, type RotationMechanics, type StepOutcome } from './rotation-mechanics';
import { closeRolledBack, type Closing } from './rotation-rollback';
import { deleteInFlightCopies, loadSecrets, storePending } from './rotation-secrets';
import { rotationFindings } from './rotation-start';
import type { RotationSecrets } from './rotation-steps';
import { RotationTrail } from './rotation-trail';

/** What one phase needs: the control plane's ports and a source of randomness (step 2). */
export interface RotationPhaseDeps extends ControlDeps {
  readonly randomBytes: (size: number) => Uint8Array;
}

export interface RotationPhaseOptions {
  /** Who holds the lock while this runs (`host:pid:uuid` locally, the rotation id in AWS). */
  readonly holder: string;
  /** How long the lock outlives this call if it dies. */
  readonly leaseMs: number;
  /** Checked before the step starts: an aborted call changes nothing. */
  readonly signal?: AbortSignal;
  /** Who runs this phase, for the journal; the record's actor when absent. */
  readonly actor?: string;
}

export interface RotationPhaseOutcome {
  /** The record after this call (unchanged when in grace or already terminal). */
  readonly record: RotationRecord;
  /**
   * Why the step failed (redacted), when it did before publishing: the record is now
   * `rolling-back` (or `rolled-back` when nothing had reached Redis).
   */
  readonly failure?: string;
  /** Milliseconds until the grace period ends when the record is published and in it; else 0. */
  readonly graceRemainingMs: number;
  /**
   * The step is under way but not done (ElastiCache still applying a change): what it waits
   * for. The record stays in its phase; run the phase again later (no secret in the text).
   */
  readonly waitingFor?: string;
}

/**
 * Runs the next step of `record` (one rollback attempt when it is `rolling-back`) and saves the
 * next record, expecting the stored one still in `record.phase`. A failure before publishing
 * moves the record to `rolling-back` and is reported in `failure`; at or after publishing (or
 * during a rollback) it throws RotationStepError (`willResume`: run the same phase again). A
 * published record whose grace period runs comes back unchanged with the time left: this never
 * sleeps, and neither does a step waiting for ElastiCache (`waitingFor`). Throws
 * StateConflictError when another runner moved the record (nothing is redone),
 * RotationLockedError when another rotation holds the lock.
 */
export async function runRotationPhase(
  cluster: Cluster,
  record: RotationRecord,
  deps: RotationPhaseDeps,
  options: RotationPhaseOptions,
): Promise<RotationPhaseOutcome> {
  return new PhaseRun(cluster, deps, options).run(record);
}

class PhaseRun {
  private readonly trail: RotationTrail;
  private readonly mechanics: RotationMechanics;
  /** Loaded by this call only, for redacting error texts. */
  private secrets: RotationSecrets | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly deps: RotationPhaseDeps,
    private readonly options: RotationPhaseOptions,
  ) {
    this.trail = new RotationTrail(cluster, deps, options.actor);
    this.mechanics = mechanicsFor(cluster, deps, this.trail);
  }

  private get closing(): Closing {
    return {
      cluster: this.cluster,
      deps: this.deps,
      trail: this.trail,
      holder: this.options.holder,
    };
  }

  async run(record: RotationRecord): Promise<RotationPhaseOutcome> {
    const phase = record.phase;
    if (isTerminal(phase)) return { record, graceRemainingMs: 0 };
    const remainingMs = graceRemainingMs(record, this.deps.clock.now());
    if (remainingMs > 0) return { record, graceRemainingMs: remainingMs };
    this.options.signal?.throwIfAborted();
    // Renew the lease before each step; losing it means another runner took over.
    if (!(await this.lock(record.rotationId, this.options.leaseMs)))
      throw await lockedError(this.deps, this.cluster.name);
    // A record read before another runner moved it must not drive a step that runner did.
    const stored = await this.deps.state.getRotation(this.cluster.name, record.rotationId);
    if (stored?.phase !== phase)
      throw new StateConflictError(
        `rotation ${record.rotationId} of ${this.cluster.name} is ${stored ? `at ${stored.phase}` : 'not stored'}, not at ${phase}: another run moved it`,
      );
    let next: RotationRecord;
    let waitingFor: string | undefined;
    try {
      if (phase === 'rolling-back')
        return { ...(await this.rollBack(record)), graceRemainingMs: 0 };
      const done = await this.step(record);
      waitingFor = done.waitingFor;
      next = waitingFor ? done.record : await this.complete(done.record, phase);
    } catch (error) {
      return this.fail(record, error);
    }
    if (waitingFor) {
      // A step that waits for ElastiCache, typically right after asking it for a change.
      (this.deps.faults ?? noFaults)(`rotation:waiting-at-${phase}`);
      return { record: next, graceRemainingMs: 0, waitingFor };
    }
    (this.deps.faults ?? noFaults)(`rotation:after-${next.phase}`);
    return { record: next, graceRemainingMs: 0 };
  }

  /** Saves `done` in the phase after `phase` and journals the step. */
  private async complete(done: RotationRecord, phase: RotationPhase): Promise<RotationRecord> {
    const after = nextPhase(phase);
    const next = await this.trail.save(
      {
        ...done,
        phase: after,
        ...(after === 'completed' ? { completedAt: this.trail.now() } : {}),
      },
      phase,
    );
    await this.trail.journal(next, after, 'done', '');
    return next;
  }

  /** The work of the step after `record.phase`: the record with what it learnt, or a wait. */
  private async step(record: RotationRecord): Promise<StepOutcome> {
    const { mechanics } = this;
    switch (record.phase) {
      case 'started':
        this.secrets = await storePending(
          this.cluster,
          this.deps.parameters,
          this.deps.randomBytes,
        );
        return { record };
      case 'pending-stored':
        return mechanics.addPassword(record, await this.loadSecrets());
      case 'nodes-added':
        return mechanics.updateSentinels(record, await this.loadSecrets());
      case 'sentinels-updated':
        return mechanics.verify(record, await this.loadSecrets());
      case 'verified':
        return { record: await this.publishPassword(record, await this.loadSecrets()) };
      case 'published':
        return mechanics.removeOldPassword(record, await this.loadSecrets());
      case 'old-removed':
        await this.finish(record);
        return { record };
      default:
        throw new RedisHaError('ROTATION_NO_NEXT_PHASE', `no step after ${record.phase}`);
    }
  }

  /** Resolves a failed step by the policy of core/rotation-policy.ts. */
  private async fail(record: RotationRecord, error: unknown): Promise<RotationPhaseOutcome> {
    const phase = record.phase;
    const resolution = resolveFailure(
      phase,
      error instanceof StateConflictError ? 'conflict' : 'failure',
    );
    if (resolution === 'stop') throw error;
    const secrets = this.secrets;
    const message = redact(error instanceof Error ? error.message : String(error), [
      secrets?.newPassword,
      secrets?.oldPassword,
      secrets?.sentinel?.newPassword,
      secrets?.sentinel?.oldPassword,
    ]);
    await this.trail.journal(
      record,
      phase === 'rolling-back' ? phase : nextPhase(phase),
      'failed',
      message,
    );
    this.deps.logger.error('rotation step failed', {
      cluster: this.cluster.name,
      rotationId: record.rotationId,
      phase,
      error: message,
    });
    switch (resolution) {
      case 'close-rolled-back':
        return {
          record: await closeRolledBack(this.closing, { ...record, error: message }, {}),
          failure: message,
          graceRemainingMs: 0,
        };
      case 'roll-back':
        return {
          record: await this.trail.save(
            { ...record, phase: 'rolling-back', error: message },
            phase,
          ),
          failure: message,
          graceRemainingMs: 0,
        };
      default:
        // Past publishing the new password is what platforms read: forward on the next run.
        await this.trail.publish(record, EventType.rotationFailed, {
          phase,
          error: message,
          willResume: true,
        });
        throw new RotationStepError(this.cluster.name, phase, message);
    }
  }

  private async loadSecrets(): Promise<RotationSecrets> {
    this.secrets = await loadSecrets(this.cluster, this.deps.parameters);
    return this.secrets;
  }

  /** Step 6: platforms read the new password from now on. */
  private async publishPassword(
    record: RotationRecord,
    secrets: RotationSecrets,
  ): Promise<RotationRecord> {
    const { cluster, deps } = this;
    await this.mechanics.publish(record, secrets);
    const graceEndsAt = new Date(deps.clock.now().getTime() + record.gracePeriodMs).toISOString();
    // The lock covers the grace period, so nobody starts another rotation meanwhile.
    await this.lock(record.rotationId, record.gracePeriodMs + this.options.leaseMs);
    await this.trail.publish(record, EventType.rotationSucceeded, {
      graceEndsAt,
      platformParameters: Object.keys(cluster.platformParameters),
    });
    return { ...record, graceEndsAt };
  }

  /** The end of step 7: the in-flight copies go, the event, the lock released. */
  private async finish(record: RotationRecord): Promise<void> {
    await deleteInFlightCopies(this.cluster, this.deps.parameters);
    await this.trail.publish(record, EventType.rotationCompleted, {
      startedAt: record.startedAt,
      ...rotationFindings(record),
    });
    await this.deps.state.releaseLock(this.cluster.name, record.rotationId, this.options.holder);
  }

  /** Before publishing: the old password is again the only one, everywhere. */
  private async rollBack(
    record: RotationRecord,
  ): Promise<{ record: RotationRecord; waitingFor?: string }> {
    const step = await this.mechanics.revert(record, await this.loadSecrets());
    if ('waitingFor' in step) return step;
    const outcome = step.reverted;
    if (outcome.unreverted.length > 0)
      throw new RedisHaError('ROLLBACK_INCOMPLETE', outcome.unreverted.join('; '));
    return { record: await closeRolledBack(this.closing, step.record, outcome) };
  }

  private lock(rotationId: string, leaseMs: number): Promise<boolean> {
    return acquireRotationLock(
      this.deps,
      this.cluster.name,
      rotationId,
      this.options.holder,
      leaseMs,
    );
  }
}
