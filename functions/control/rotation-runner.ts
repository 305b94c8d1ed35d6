// The local driver of a password rotation (`redis-ha rotate`, `watch`, the sandbox): starts a
// rotation or resumes the one in flight, then runs one phase after another
// (rotation-phase.ts) until it ends, sleeping through the grace period when asked to. It takes
// the lock over from a crashed local runner at once, and tells an operator what to do when a
// live one holds it. Secrets stay in rotation-phase.ts and the parameter store.
import { randomUUID } from 'node:crypto';
import type { Cluster } from '../core/inventory';
import { isPublished, isTerminal, type RotationRecord } from '../core/rotation';
import { graceRemainingMs } from '../core/rotation-policy';
import { pollDelayMs } from '../core/elasticache-rotation';
import {
  RotationAbortRefusedError,
  RotationInGraceError,
  RotationLockedError,
  RotationRefusedError,
  RotationStepError,
  type AbortOutcome,
} from './rotation-errors';
import { describeLockHolder } from '../core/rotation-holder';
import { acquireRotationLock, lockedError, type RotationHolders } from './rotation-lock';
import { runRotationPhase, type RotationPhaseDeps } from './rotation-phase';
import { beginRollback } from './rotation-rollback';
import { planRotation, startRotation } from './rotation-start';
import { RotationTrail } from './rotation-trail';

export {
  RotationAbortRefusedError,
  RotationInGraceError,
  RotationLockedError,
  RotationRefusedError,
  RotationStepError,
  type AbortOutcome,
};

export interface RotationDeps extends RotationPhaseDeps {
  /** Waits `ms` (the grace period); rejects when `signal` aborts. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Mints this runner's lock holder id and tells a crashed local holder from a live one. */
  readonly holders: RotationHolders;
}

export interface RotationOptions {
  /** Who started it, for the audit trail (`cli:alice`, `schedule`). */
  readonly actor: string;
  /** Overrides the inventory's grace period. */
  readonly gracePeriodMs?: number;
  /** Start even when the verdict is not ok. */
  readonly isForced?: boolean;
  /** Stay through the grace period and finish; false leaves the finish to `watch`. */
  readonly waitForGrace: boolean;
  /** How long the rotation lock outlives a crashed runner. */
  readonly leaseMs: number;
  readonly signal?: AbortSignal;
  /** Told, in words for a person, when the runner waits (e.g. for a grace period to end). */
  readonly onNotice?: (text: string) => void;
}

export class RotationRunner {
  /** Who runs rotations here (`host:pid:uuid`); the lock's owner is the rotation id. */
  private readonly holder: string;
  private readonly trail: RotationTrail;

  constructor(
    private readonly cluster: Cluster,
    private readonly deps: RotationDeps,
    private readonly options: RotationOptions,
  ) {
    this.holder = deps.holders.next();
    this.trail = new RotationTrail(cluster, deps, options.actor);
  }

  /** Starts a new rotation, or resumes the one in flight when its runner is gone. */
  async run(): Promise<RotationRecord> {
    const existing = await this.current();
    if (existing && !isTerminal(existing.phase)) return this.resume(existing);
    const rotationId = randomUUID();
    if (!(await this.lockOrTakeOver(rotationId))) throw await lockedError(this.deps, this.name);
    const record = await startRotation(this.cluster, this.deps, {
      rotationId,
      actor: this.options.actor,
      isForced: !!this.options.isForced,
      holder: this.holder,
      leaseMs: this.options.leaseMs,
      ...(this.options.gracePeriodMs !== undefined
        ? { gracePeriodMs: this.options.gracePeriodMs }
        : {}),
    });
    return this.advance(record);
  }

  /** Resumes a rotation in flight (after a crash, or when its grace period has ended). */
  async resume(record: RotationRecord): Promise<RotationRecord> {
    const now = this.deps.clock.now();
    const isInGrace = graceRemainingMs(record, now) > 0;
    if (isInGrace) {
      const holder = await this.liveHolder();
      if (holder || !this.options.waitForGrace)
        throw new RotationInGraceError(this.name, record, now, holder);
    }
    const takenFrom = await this.lockOrTakeOver(record.rotationId);
    if (!takenFrom) throw await lockedError(this.deps, this.name);
    if (isInGrace) {
      this.options.onNotice?.(
        `rotation ${record.rotationId} of ${this.name} is published; waiting for its grace period to end at ${record.graceEndsAt} to finish it`,
      );
    }
    const detail = `resumed by ${this.options.actor}${typeof takenFrom === 'string' ? ` (took over from crashed ${takenFrom})` : ''}`;
    await this.trail.journal(record, record.phase, 'started', detail);
    return this.advance(record);
  }

  /**
   * `rotate --abort`: rolls a rotation back to the old password if it has not been published;
   * refuses after publishing (the platforms read the new password: roll forward instead). Takes
   * over the lock from a crashed runner on this host at once; refuses while a live one holds it.
   */
  async abort(): Promise<AbortOutcome> {
    const seen = await this.current();
    if (!seen || isTerminal(seen.phase)) return { record: seen, wasInFlight: false };
    if (isPublished(seen.phase)) throw new RotationAbortRefusedError(this.name, seen);
    const takenFrom = await this.lockOrTakeOver(seen.rotationId);
    if (!takenFrom) throw await lockedError(this.deps, this.name);
    // The runner may have moved on (even past publishing) before it let the lock go: decide on
    // the record as it is now that nobody else can change it.
    const record = await this.current();
    if (!record || isTerminal(record.phase)) {
      await this.deps.state.releaseLock(this.name, seen.rotationId, this.holder);
      return { record, wasInFlight: false };
    }
    if (isPublished(record.phase)) {
      await this.deps.state.releaseLock(this.name, seen.rotationId, this.holder);
      throw new RotationAbortRefusedError(this.name, record);
    }
    const reason = `aborted by ${this.options.actor}`;
    const taken = typeof takenFrom === 'string' ? ` (took over from crashed ${takenFrom})` : '';
    await this.trail.journal(record, 'abort', 'started', `${reason} at ${record.phase}${taken}`);
    const rollingBack = await beginRollback(this.cluster, record, this.deps, {
      holder: this.holder,
      leaseMs: this.options.leaseMs,
      actor: this.options.actor,
      reason,
    });
    return { record: await this.advance(rollingBack), wasInFlight: true };
  }

  /** What a rotation would do, without doing any of it. */
  plan(): Promise<string[]> {
    return planRotation(this.cluster, this.deps, {
      isForced: !!this.options.isForced,
      ...(this.options.gracePeriodMs !== undefined
        ? { gracePeriodMs: this.options.gracePeriodMs }
        : {}),
    });
  }

  private get name(): string {
    return this.cluster.name;
  }

  /**
   * One phase after another until the rotation ends (or waits out its grace elsewhere). A step
   * waiting for ElastiCache to apply a change is run again after a growing delay (up to 30 s);
   * the signal ends the wait.
   */
  private async advance(start: RotationRecord): Promise<RotationRecord> {
    let record = start;
    let polls = 0;
    while (!isTerminal(record.phase)) {
      const outcome = await runRotationPhase(this.cluster, record, this.deps, {
        holder: this.holder,
        leaseMs: this.options.leaseMs,
        actor: this.options.actor,
        ...(this.options.signal ? { signal: this.options.signal } : {}),
      });
      if (outcome.graceRemainingMs > 0) {
        if (!this.options.waitForGrace) {
          // Leave the finish to whoever runs after the grace period (watch, or `rotate` again).
          // The record, not the lock, keeps others from finishing early (RotationInGraceError),
          // so the lock goes: a held lock would read as a live runner to a rerun elsewhere.
          await this.deps.state.releaseLock(this.name, record.rotationId, this.holder);
          return record;
        }
        // The next phase takes the lock again: two runners must never both run step 7.
        await this.deps.sleep(outcome.graceRemainingMs, this.options.signal);
        continue;
      }
      if (outcome.waitingFor) {
        const delayMs = pollDelayMs(polls++);
        if (polls === 1) this.options.onNotice?.(`waiting for ${outcome.waitingFor}`);
        record = outcome.record;
        await this.deps.sleep(delayMs, this.options.signal);
        continue;
      }
      polls = 0;
      record = outcome.record;
    }
    return record;
  }

  private current(): Promise<RotationRecord | undefined> {
    return this.deps.state.getRotation(this.name);
  }

  /**
   * Takes the lock, or takes it over from a holder on this host whose process is gone (so a
   * crashed runner does not block its own rotation for a whole lease). Returns false when a
   * live (or unknowable) holder keeps it, true when taken, or who was taken over from.
   */
  private async lockOrTakeOver(rotationId: string): Promise<boolean | string> {
    const lock = () =>
      acquireRotationLock(this.deps, this.name, rotationId, this.holder, this.options.leaseMs);
    if (await lock()) return true;
    const held = await this.deps.state.getLock(this.name);
    if (!held || !this.deps.holders.isGone(held.holder)) return false;
    await this.deps.state.releaseLock(this.name, held.owner, held.holder);
    if (!(await lock())) return false;
    const from = describeLockHolder(held.holder);
    this.deps.logger.warn('took over the rotation lock of a crashed runner', {
      cluster: this.name,
      from,
    });
    return from;
  }

  /** Who holds the lock now, when that is a live (or unknowable) runner other than this one. */
  private async liveHolder(): Promise<string | null> {
    const held = await this.deps.state.getLock(this.name);
    const isLive =
      held &&
      held.holder !== this.holder &&
      held.expiresAt > this.deps.clock.now().toISOString() &&
      !this.deps.holders.isGone(held.holder);
    return isLive ? describeLockHolder(held.holder) : null;
  }
}
