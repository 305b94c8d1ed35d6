// Runs a password rotation of one Sentinel cluster through the journaled state machine of
// core/rotation.ts. Every step is idempotent and its completion is persisted before the next
// starts, so a crash anywhere resumes where it stopped. The new password is stored as pending
// before Redis is touched; the old one stays valid until the grace period has passed. Secrets
// live only in the parameter store and in memory: never in the record, journal, logs or errors.
import { randomUUID } from 'node:crypto';
import { parseEndpoint, type Endpoint } from '../core/endpoint';
import { formatEndpoint } from '../core/endpoint';
import { redact, RedisHaError } from '../core/errors';
import { buildEvent, EventType } from '../core/events';
import { gracePeriodMs, mapAddress, type SentinelCluster } from '../core/inventory';
import type { JournalEntry } from '../core/ports';
import {
  isPublished,
  isTerminal,
  nextPhase,
  rotationPlan,
  type RotationPhase,
  type RotationRecord,
} from '../core/rotation';
import {
  describeSharedUsers,
  nodesWithoutConfigFile,
  sharedPasswordUsers,
  unpersistableRefusal,
  unpersistedWarning,
  type NodeFacts,
} from '../core/rotation-preflight';
import { noFaults } from './fault-points';
import { deleteInFlightCopies, loadSecrets, storePending } from './rotation-secrets';
import { describeLockOwner, isLockOwnerGone, lockOwnerId } from './rotation-lock';
import { dataNodes, RotationSteps, type RotationSecrets } from './rotation-steps';
import { templateValues, writePlatformParameters } from './platform-parameters';
import { loadCredentials, probeCluster } from './probe-cluster';
import type { ControlDeps } from './reconcile';

import {
  RotationAbortRefusedError,
  RotationInGraceError,
  RotationLockedError,
  RotationRefusedError,
  type AbortOutcome,
} from './rotation-errors';

export {
  RotationAbortRefusedError,
  RotationInGraceError,
  RotationLockedError,
  RotationRefusedError,
  type AbortOutcome,
};

export interface RotationDeps extends ControlDeps {
  readonly randomBytes: (size: number) => Uint8Array;
  /** Waits `ms` (the grace period); rejects when `signal` aborts. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
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
  private readonly holder = lockOwnerId();
  private readonly faults;
  private readonly steps: RotationSteps;

  constructor(
    private readonly cluster: SentinelCluster,
    private readonly deps: RotationDeps,
    private readonly options: RotationOptions,
  ) {
    this.faults = deps.faults ?? noFaults;
    this.steps = new RotationSteps(cluster, deps);
  }

  /** Starts a new rotation, or resumes the one in flight when its runner is gone. */
  async run(): Promise<RotationRecord> {
    const existing = await this.current();
    if (existing && !isTerminal(existing.phase)) return this.resume(existing);
    const rotationId = randomUUID();
    if (!(await this.lockOrTakeOver(rotationId, this.options.leaseMs)))
      throw await this.lockedError();
    const now = this.deps.clock.now();
    let record: RotationRecord = {
      rotationId,
      cluster: this.cluster.name,
      phase: 'started',
      actor: this.options.actor,
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      gracePeriodMs: this.options.gracePeriodMs ?? gracePeriodMs(this.cluster),
      graceEndsAt: null,
      isForced: !!this.options.isForced,
      nodes: [],
      sentinels: [...this.cluster.sentinels],
      error: null,
      completedAt: null,
    };
    try {
      const probe = await probeCluster(this.cluster, this.deps);
      if (probe.verdict.status !== 'ok' && !record.isForced) {
        const reasons = probe.verdict.reasons.map((r) => `${r.code}: ${r.message}`).join('; ');
        throw new RotationRefusedError(
          this.cluster.name,
          `verdict is ${probe.verdict.status} (${reasons})`,
        );
      }
      const nodes = dataNodes(this.cluster, probe);
      // Step 1 reads before anything is written: config files, users sharing the password.
      const facts = await this.inspect(nodes, probe.credentials.dataPassword);
      const unpersisted = nodesWithoutConfigFile(facts);
      const refusal = unpersistableRefusal(unpersisted, this.cluster.rotation.allowUnpersisted);
      if (refusal) throw new RotationRefusedError(this.cluster.name, refusal, false);
      record = {
        ...record,
        nodes,
        sharedPasswordUsers: sharedPasswordUsers(facts, this.user),
        unpersistedNodes: unpersisted,
      };
    } catch (error) {
      await this.deps.state.releaseLock(this.cluster.name, rotationId, this.holder);
      throw error;
    }
    await this.save(record, null);
    await this.journal(record, 'started', 'done', this.startedDetail(record));
    await this.publish(record, EventType.rotationStarted, {
      nodes: record.nodes,
      actor: record.actor,
      ...this.findings(record),
    });
    return this.advance(record);
  }

  /** Resumes a rotation in flight (after a crash, or when its grace period has ended). */
  async resume(record: RotationRecord): Promise<RotationRecord> {
    const now = this.deps.clock.now();
    const isInGrace =
      record.phase === 'published' && Date.parse(record.graceEndsAt ?? '') > now.getTime();
    if (isInGrace) {
      const holder = await this.liveHolder();
      if (holder || !this.options.waitForGrace)
        throw new RotationInGraceError(this.cluster.name, record, now, holder);
    }
    const takenFrom = await this.lockOrTakeOver(record.rotationId, this.options.leaseMs);
    if (!takenFrom) throw await this.lockedError();
    if (isInGrace) {
      this.options.onNotice?.(
        `rotation ${record.rotationId} of ${this.cluster.name} is published; waiting for its grace period to end at ${record.graceEndsAt} to finish it`,
      );
    }
    const detail = `resumed by ${this.options.actor}${typeof takenFrom === 'string' ? ` (took over from crashed ${takenFrom})` : ''}`;
    await this.journal(record, record.phase, 'started', detail);
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
    if (isPublished(seen.phase)) throw new RotationAbortRefusedError(this.cluster.name, seen);
    const takenFrom = await this.lockOrTakeOver(seen.rotationId, this.options.leaseMs);
    if (!takenFrom) throw await this.lockedError();
    // The runner may have moved on (even past publishing) before it let the lock go: decide on
    // the record as it is now that nobody else can change it.
    const record = await this.current();
    if (!record || isTerminal(record.phase)) {
      await this.deps.state.releaseLock(this.cluster.name, seen.rotationId, this.holder);
      return { record, wasInFlight: false };
    }
    if (isPublished(record.phase)) {
      await this.deps.state.releaseLock(this.cluster.name, seen.rotationId, this.holder);
      throw new RotationAbortRefusedError(this.cluster.name, record);
    }
    const reason = `aborted by ${this.options.actor}`;
    await this.journal(
      record,
      'abort',
      'started',
      `${reason} at ${record.phase}${typeof takenFrom === 'string' ? ` (took over from crashed ${takenFrom})` : ''}`,
    );
    const error = record.error ? `${record.error}; ${reason}` : reason;
    // Nothing reached Redis before pending-stored: closing drops whatever was stored.
    if (record.phase === 'started')
      return { record: await this.closeRolledBack({ ...record, error }, {}), wasInFlight: true };
    const rollingBack =
      record.phase === 'rolling-back'
        ? record
        : await this.save({ ...record, phase: 'rolling-back', error }, record.phase);
    return { record: await this.advance(rollingBack), wasInFlight: true };
  }

  /** What a rotation would do, without doing any of it. */
  async plan(): Promise<string[]> {
    const probe = await probeCluster(this.cluster, this.deps);
    const nodes = dataNodes(this.cluster, probe);
    const facts = await this.inspect(nodes, probe.credentials.dataPassword);
    const unpersisted = nodesWithoutConfigFile(facts);
    const refusal = unpersistableRefusal(unpersisted, this.cluster.rotation.allowUnpersisted);
    return rotationPlan(this.cluster, {
      nodes,
      status: probe.verdict.status,
      isForced: !!this.options.isForced,
      gracePeriodMs: this.options.gracePeriodMs ?? gracePeriodMs(this.cluster),
      sharedUsers: describeSharedUsers(sharedPasswordUsers(facts, this.user)),
      configFileNote: refusal
        ? { isRefusal: true, text: refusal }
        : unpersisted.length > 0
          ? { isRefusal: false, text: unpersistedWarning(unpersisted) }
          : null,
    });
  }

  private get user(): string {
    return this.cluster.username ?? 'default';
  }

  private async inspect(nodes: readonly string[], password?: string): Promise<NodeFacts[]> {
    // Without a stored password there is nothing to log in with: step 2 then stops the rotation.
    if (!password) return [];
    return this.steps.inspect(
      nodes.map((n) => parseEndpoint(n) as Endpoint),
      password,
    );
  }

  private startedDetail(record: RotationRecord): string {
    const shared = describeSharedUsers(record.sharedPasswordUsers ?? {});
    return [
      `nodes ${record.nodes.join(', ')}; grace ${record.gracePeriodMs} ms`,
      ...(shared ? [`old password also accepted by ${shared}: they rotate too`] : []),
      ...(record.unpersistedNodes?.length
        ? [`warning: ${unpersistedWarning(record.unpersistedNodes)}`]
        : []),
    ].join('; ');
  }

  /** Users sharing the password and nodes rotated in memory only, for events (no secret). */
  private findings(record: RotationRecord): Record<string, unknown> {
    const unpersisted = record.unpersistedNodes ?? [];
    return {
      sharedPasswordUsers: record.sharedPasswordUsers ?? {},
      unpersistedNodes: unpersisted,
      ...(unpersisted.length > 0 ? { warning: unpersistedWarning(unpersisted) } : {}),
    };
  }

  private async advance(start: RotationRecord): Promise<RotationRecord> {
    let record = start;
    let secrets: RotationSecrets | undefined;
    while (!isTerminal(record.phase)) {
      const phase = record.phase;
      // Renew the lease before each step; losing it means another runner took over.
      if (phase !== 'published' && !(await this.lock(record.rotationId, this.options.leaseMs)))
        throw await this.lockedError();
      try {
        if (phase === 'rolling-back') {
          record = await this.rollBack(
            record,
            secrets ?? (await loadSecrets(this.cluster, this.deps.parameters)),
          );
          continue;
        }
        if (phase === 'started')
          secrets = await storePending(this.cluster, this.deps.parameters, this.deps.randomBytes);
        else {
          secrets ??= await loadSecrets(this.cluster, this.deps.parameters);
          if (phase === 'pending-stored') {
            const nodes = await this.steps.nodes(record.nodes, secrets.oldPassword);
            const added = await this.steps.addPassword(
              nodes,
              secrets,
              record.sharedPasswordUsers ?? {},
            );
            record = {
              ...record,
              nodes: nodes.map(formatEndpoint),
              sharedPasswordUsers: added.shared,
              unpersistedNodes: union(record.unpersistedNodes, added.unpersisted),
            };
          } else if (phase === 'nodes-added')
            await this.steps.pointSentinelsAt(secrets.newPassword, secrets.sentinel?.newPassword);
          else if (phase === 'sentinels-updated') {
            const nodes = await this.steps.nodes(record.nodes, secrets.newPassword);
            await this.steps.verify(nodes, secrets, record.isForced);
          } else if (phase === 'verified') record = await this.publishPassword(record, secrets);
          else if (phase === 'published') {
            if (!(await this.graceHasEnded(record))) return record;
            const nodes = await this.steps.nodes(record.nodes, secrets.newPassword);
            const removed = await this.steps.removeOldPassword(
              nodes,
              secrets,
              record.sharedPasswordUsers ?? {},
            );
            record = {
              ...record,
              unpersistedNodes: union(record.unpersistedNodes, removed.unpersisted),
            };
          } else if (phase === 'old-removed') await this.finish(record);
        }
        const next = nextPhase(phase);
        record = await this.save(
          {
            ...record,
            phase: next,
            ...(next === 'completed' ? { completedAt: this.now() } : {}),
          },
          phase,
        );
        await this.journal(record, next, 'done', '');
        this.faults(`rotation:after-${next}`);
      } catch (error) {
        const message = redact(error instanceof Error ? error.message : String(error), [
          secrets?.newPassword,
          secrets?.oldPassword,
          secrets?.sentinel?.newPassword,
          secrets?.sentinel?.oldPassword,
        ]);
        await this.journal(record, nextPhaseOrSelf(phase), 'failed', message);
        this.deps.logger.error('rotation step failed', {
          cluster: this.cluster.name,
          rotationId: record.rotationId,
          phase,
          error: message,
        });
        if (isPublished(phase) || phase === 'rolling-back') {
          // Past publishing, the new password is what platforms read: roll forward on the next run.
          await this.publish(record, EventType.rotationFailed, {
            phase,
            error: message,
            willResume: true,
          });
          throw new RedisHaError(
            'ROTATION_FAILED',
            `rotation of ${this.cluster.name} failed at ${phase}: ${message}; run it again to resume`,
          );
        }
        if (phase === 'started') {
          // Nothing reached Redis yet: drop whatever was stored and close the rotation.
          record = await this.closeRolledBack({ ...record, error: message }, {});
          continue;
        }
        record = await this.save({ ...record, phase: 'rolling-back', error: message }, phase);
      }
    }
    return record;
  }

  /** Step 6: platforms read the new password from now on. */
  private async publishPassword(
    record: RotationRecord,
    secrets: RotationSecrets,
  ): Promise<RotationRecord> {
    const { newPassword } = secrets;
    await this.deps.parameters.put(this.cluster.passwordParameter, newPassword, { isSecure: true });
    if (secrets.sentinel && this.cluster.sentinelPasswordParameter) {
      await this.deps.parameters.put(
        this.cluster.sentinelPasswordParameter,
        secrets.sentinel.newPassword,
        { isSecure: true },
      );
    }
    const stored = await loadCredentials(this.cluster, this.deps.parameters);
    const probe = await probeCluster(this.cluster, this.deps, stored);
    const state = await this.deps.state.getClusterState(this.cluster.name);
    const master = probe.verdict.isConfirmed
      ? probe.masterDial
      : state?.master
        ? mapAddress(this.cluster, state.master)
        : null;
    if (master) {
      const values = templateValues(this.cluster, master, newPassword);
      const written = await writePlatformParameters(this.cluster, this.deps.parameters, values);
      this.deps.hooks?.onParametersWritten?.(this.cluster.name, written);
    }
    const graceEndsAt = new Date(
      this.deps.clock.now().getTime() + record.gracePeriodMs,
    ).toISOString();
    await this.lock(record.rotationId, record.gracePeriodMs + this.options.leaseMs);
    await this.publish(record, EventType.rotationSucceeded, {
      graceEndsAt,
      platformParameters: Object.keys(this.cluster.platformParameters),
    });
    return { ...record, graceEndsAt };
  }

  private async graceHasEnded(record: RotationRecord): Promise<boolean> {
    const remainingMs =
      Date.parse(record.graceEndsAt ?? this.now()) - this.deps.clock.now().getTime();
    if (remainingMs <= 0) return true;
    if (!this.options.waitForGrace) {
      // Leave the finish to whoever runs after the grace period (watch, or `rotate` again).
      // The record, not the lock, keeps others from finishing early (RotationInGraceError), so
      // the lock goes: a held lock would read as a live runner to a rerun on another host.
      await this.deps.state.releaseLock(this.cluster.name, record.rotationId, this.holder);
      return false;
    }
    await this.deps.sleep(remainingMs, this.options.signal);
    // Another runner may have taken over meanwhile: two runners must never both run step 7.
    if (!(await this.lock(record.rotationId, this.options.leaseMs))) throw await this.lockedError();
    return true;
  }

  private async finish(record: RotationRecord): Promise<void> {
    await deleteInFlightCopies(this.cluster, this.deps.parameters);
    await this.publish(record, EventType.rotationCompleted, {
      startedAt: record.startedAt,
      ...this.findings(record),
    });
    await this.deps.state.releaseLock(this.cluster.name, record.rotationId, this.holder);
  }

  /** Before publishing: the old password is again the only one, everywhere. */
  private async rollBack(
    record: RotationRecord,
    secrets: RotationSecrets,
  ): Promise<RotationRecord> {
    const nodes = await this.steps.nodes(record.nodes, secrets.oldPassword);
    const outcome = await this.steps.revert(nodes, secrets, record.sharedPasswordUsers ?? {});
    if (outcome.unreverted.length > 0)
      throw new RedisHaError('ROLLBACK_INCOMPLETE', outcome.unreverted.join('; '));
    return this.closeRolledBack(record, outcome);
  }

  private async closeRolledBack(
    record: RotationRecord,
    {
      skipped = [],
      unpersisted = [],
    }: { skipped?: readonly string[]; unpersisted?: readonly string[] },
  ): Promise<RotationRecord> {
    await deleteInFlightCopies(this.cluster, this.deps.parameters);
    const done = await this.save(
      { ...record, phase: 'rolled-back', completedAt: this.now() },
      record.phase,
    );
    const notes = [
      ...(skipped.length ? [`skipped unreachable: ${skipped.join('; ')}`] : []),
      // The old password is back in memory there; their config may still hold the new one.
      ...(unpersisted.length
        ? [`reverted in memory but not persisted: ${unpersisted.join('; ')}`]
        : []),
    ];
    await this.journal(done, 'rolled-back', 'done', notes.join('; '));
    await this.publish(done, EventType.rotationRolledBack, {
      error: record.error,
      ...(unpersisted.length ? { unpersisted } : {}),
    });
    await this.deps.state.releaseLock(this.cluster.name, record.rotationId, this.holder);
    return done;
  }

  private async current(): Promise<RotationRecord | undefined> {
    return this.deps.state.getRotation(this.cluster.name);
  }

  /** Writes `record` if the stored one is still in `expectedPhase` (null: a new rotation). */
  private async save(
    record: RotationRecord,
    expectedPhase: RotationPhase | null,
  ): Promise<RotationRecord> {
    const saved = { ...record, updatedAt: this.now() };
    await this.deps.state.putRotation(saved, expectedPhase);
    return saved;
  }

  private async lock(rotationId: string, leaseMs: number): Promise<boolean> {
    return this.deps.state.acquireLock(
      this.cluster.name,
      { owner: rotationId, holder: this.holder },
      leaseMs,
      this.deps.clock.now(),
    );
  }

  /**
   * Takes the lock, or takes it over from a holder on this host whose process is gone (so a
   * crashed runner does not block its own rotation for a whole lease). Returns false when a
   * live (or unknowable) holder keeps it, true when taken, or who was taken over from.
   */
  private async lockOrTakeOver(rotationId: string, leaseMs: number): Promise<boolean | string> {
    if (await this.lock(rotationId, leaseMs)) return true;
    const held = await this.deps.state.getLock(this.cluster.name);
    if (!held || !isLockOwnerGone(held.holder)) return false;
    await this.deps.state.releaseLock(this.cluster.name, held.owner, held.holder);
    if (!(await this.lock(rotationId, leaseMs))) return false;
    const from = describeLockOwner(held.holder);
    this.deps.logger.warn('took over the rotation lock of a crashed runner', {
      cluster: this.cluster.name,
      from,
    });
    return from;
  }

  /** Who holds the lock now, when that is a live (or unknowable) process other than this one. */
  private async liveHolder(): Promise<string | null> {
    const held = await this.deps.state.getLock(this.cluster.name);
    const isLive =
      held &&
      held.holder !== this.holder &&
      held.expiresAt > this.now() &&
      !isLockOwnerGone(held.holder);
    return isLive ? describeLockOwner(held.holder) : null;
  }

  private async lockedError(): Promise<RotationLockedError> {
    const held = await this.deps.state.getLock(this.cluster.name);
    const by = held
      ? `${describeLockOwner(held.holder)} holds its lock until ${held.expiresAt}`
      : 'another runner holds its lock';
    return new RotationLockedError(this.cluster.name, `${by}; see \`redis-ha rotations\``);
  }

  private async journal(
    record: RotationRecord,
    step: string,
    outcome: JournalEntry['outcome'],
    detail: string,
  ): Promise<void> {
    await this.deps.state.appendJournal({
      rotationId: record.rotationId,
      cluster: this.cluster.name,
      at: this.now(),
      step,
      outcome,
      actor: this.options.actor,
      detail,
    });
  }

  private async publish(
    record: RotationRecord,
    type: EventType,
    data: Record<string, unknown>,
  ): Promise<void> {
    const event = buildEvent({
      source: this.deps.source,
      type,
      cluster: this.cluster.name,
      cause: record.rotationId,
      severity:
        type === EventType.rotationRolledBack || type === EventType.rotationFailed
          ? 'warning'
          : 'info',
      time: this.deps.clock.now(),
      data: {
        cluster: this.cluster.name,
        rotationId: record.rotationId,
        actor: record.actor,
        ...data,
      },
    });
    await this.deps.events.publish(event);
    this.deps.hooks?.onEventPublished?.(event);
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}

function union(a: readonly string[] = [], b: readonly string[] = []): string[] {
  return [...new Set([...a, ...b])];
}

function nextPhaseOrSelf(phase: RotationPhase): string {
  return isTerminal(phase) || phase === 'rolling-back' ? phase : nextPhase(phase);
}
