// Runs a password rotation of one Sentinel cluster through the journaled state machine of
// core/rotation.ts. Every step is idempotent and its completion is persisted before the next
// starts, so a crash anywhere resumes where it stopped. The new password is stored as pending
// before Redis is touched; the old one stays valid until the grace period has passed. Secrets
// live only in the parameter store and in memory: never in the record, journal, logs or errors.
import { randomUUID } from 'node:crypto';
import { formatEndpoint, parseEndpoint, type Endpoint } from '../core/endpoint';
import { GatewayError, redact, RedisHaError } from '../core/errors';
import { buildEvent, EventType } from '../core/events';
import { gracePeriodMs, mapAddress, type SentinelCluster } from '../core/inventory';
import type { JournalEntry } from '../core/ports';
import {
  generatePassword,
  isPublished,
  isTerminal,
  nextPhase,
  pendingParameterName,
  previousParameterName,
  type RotationPhase,
  type RotationRecord,
} from '../core/rotation';
import { noFaults } from './fault-points';
import { templateValues, writePlatformParameters } from './platform-parameters';
import {
  dataConnection,
  loadCredentials,
  probeCluster,
  sentinelConnection,
  type ProbeResult,
} from './probe-cluster';
import type { ControlDeps } from './reconcile';

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
}

/** The lock is held by another runner, or another rotation of the cluster is in flight. */
export class RotationLockedError extends RedisHaError {
  constructor(cluster: string, detail: string) {
    super('ROTATION_LOCKED', `cluster ${cluster} is already rotating (${detail})`);
  }
}

/** The cluster's verdict is not ok and the rotation was not forced. */
export class RotationRefusedError extends RedisHaError {
  constructor(cluster: string, detail: string) {
    super(
      'ROTATION_REFUSED',
      `refusing to rotate ${cluster}: ${detail} (use --force to rotate anyway)`,
    );
  }
}

interface Secrets {
  readonly oldPassword: string;
  readonly newPassword: string;
}

const PASSWORD_REMOVED = /does not exist|no such password/i;

export class RotationRunner {
  private readonly owner = randomUUID();
  private readonly faults;

  constructor(
    private readonly cluster: SentinelCluster,
    private readonly deps: RotationDeps,
    private readonly options: RotationOptions,
  ) {
    this.faults = deps.faults ?? noFaults;
  }

  /** Starts a new rotation, or resumes the one in flight when its runner is gone. */
  async run(): Promise<RotationRecord> {
    const existing = await this.current();
    if (existing && !isTerminal(existing.phase)) return this.resume(existing);
    if (!(await this.lock(this.options.leaseMs))) throw this.lockedError();
    const now = this.deps.clock.now();
    let record: RotationRecord = {
      rotationId: randomUUID(),
      cluster: this.cluster.name,
      phase: 'started',
      actor: this.options.actor,
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      gracePeriodMs: this.options.gracePeriodMs ?? this.defaultGraceMs(),
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
        const reasons = probe.verdict.reasons.map((r) => r.code).join(', ');
        throw new RotationRefusedError(
          this.cluster.name,
          `verdict is ${probe.verdict.status} (${reasons})`,
        );
      }
      record = { ...record, nodes: dataNodes(this.cluster, probe) };
    } catch (error) {
      await this.deps.state.releaseLock(this.cluster.name, this.owner);
      throw error;
    }
    await this.save(record);
    await this.journal(
      record,
      'started',
      'done',
      `nodes ${record.nodes.join(', ')}; grace ${record.gracePeriodMs} ms`,
    );
    await this.publish(record, EventType.rotationStarted, {
      nodes: record.nodes,
      actor: record.actor,
    });
    return this.advance(record);
  }

  /** Resumes a rotation in flight (after a crash, or when its grace period has ended). */
  async resume(record: RotationRecord): Promise<RotationRecord> {
    if (!(await this.lock(this.options.leaseMs))) throw this.lockedError();
    await this.journal(record, record.phase, 'started', `resumed by ${this.options.actor}`);
    return this.advance(record);
  }

  /** What a rotation would do, without doing any of it. */
  async plan(): Promise<string[]> {
    const probe = await probeCluster(this.cluster, this.deps);
    const user = this.cluster.username ?? 'default';
    const nodes = dataNodes(this.cluster, probe);
    const grace = this.options.gracePeriodMs ?? this.defaultGraceMs();
    const config = this.cluster.commandRenames.CONFIG ?? 'CONFIG';
    return [
      `verdict now: ${probe.verdict.status}${probe.verdict.status === 'ok' ? '' : this.options.isForced ? ' (forced)' : ' -> would refuse without --force'}`,
      `1. lock ${this.cluster.name}`,
      `2. generate a ${this.cluster.rotation.length}-character password; store it as ${pendingParameterName(this.cluster.passwordParameter)} (secure)`,
      `3. on ${nodes.join(', ')}: ACL SETUSER ${user} >*** ; ${config} SET masterauth ***${this.cluster.username ? ` ; ${config} SET masteruser ${user}` : ''} ; persist (${config} REWRITE / ACL SAVE)`,
      `4. on ${this.cluster.sentinels.join(', ')}: SENTINEL SET ${this.cluster.masterName} auth-pass ***${this.cluster.username ? ` ; auth-user ${user}` : ''}`,
      '5. verify: new password on every node, replication links up, sentinels agree',
      `6. publish: ${this.cluster.passwordParameter} and ${Object.keys(this.cluster.platformParameters).length} platform parameter(s); event ${EventType.rotationSucceeded}`,
      `7. after ${grace} ms: remove the old password on every node, verify it is refused, unlock; event ${EventType.rotationCompleted}`,
    ];
  }

  private async advance(start: RotationRecord): Promise<RotationRecord> {
    let record = start;
    let secrets: Secrets | undefined;
    while (!isTerminal(record.phase)) {
      const phase = record.phase;
      try {
        if (phase === 'rolling-back') {
          record = await this.rollBack(record, secrets ?? (await this.secrets()));
          continue;
        }
        if (phase === 'started') secrets = await this.storePending();
        else {
          secrets ??= await this.secrets();
          if (phase === 'pending-stored') record = await this.addToNodes(record, secrets);
          else if (phase === 'nodes-added') await this.updateSentinels(secrets.newPassword);
          else if (phase === 'sentinels-updated') await this.verify(record, secrets);
          else if (phase === 'verified') record = await this.publishPassword(record, secrets);
          else if (phase === 'published') {
            if (!(await this.graceHasEnded(record))) return record;
            await this.removeOld(record, secrets);
          } else if (phase === 'old-removed') await this.finish(record);
        }
        const next = nextPhase(phase);
        record = await this.save({
          ...record,
          phase: next,
          ...(next === 'completed' ? { completedAt: this.now() } : {}),
        });
        await this.journal(record, next, 'done', '');
        this.faults(`rotation:after-${next}`);
      } catch (error) {
        const message = redact(error instanceof Error ? error.message : String(error), [
          secrets?.newPassword,
          secrets?.oldPassword,
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
        record = await this.save({ ...record, phase: 'rolling-back', error: message });
      }
    }
    return record;
  }

  private async storePending(): Promise<Secrets> {
    const current = await loadCredentials(this.cluster, this.deps.parameters);
    if (!current.dataPassword) {
      throw new RedisHaError(
        'PASSWORD_MISSING',
        `parameter ${this.cluster.passwordParameter} is not set`,
      );
    }
    const { alphabet, length } = this.cluster.rotation;
    const newPassword = generatePassword(alphabet, length, this.deps.randomBytes);
    // Both copies land before Redis is touched: a crash from here on never loses a password.
    await this.deps.parameters.put(
      previousParameterName(this.cluster.passwordParameter),
      current.dataPassword,
      { isSecure: true },
    );
    await this.deps.parameters.put(
      pendingParameterName(this.cluster.passwordParameter),
      newPassword,
      { isSecure: true },
    );
    return { oldPassword: current.dataPassword, newPassword };
  }

  private async secrets(): Promise<Secrets> {
    const found = await this.deps.parameters.getMany([
      previousParameterName(this.cluster.passwordParameter),
      pendingParameterName(this.cluster.passwordParameter),
    ]);
    const oldPassword = found.get(previousParameterName(this.cluster.passwordParameter))?.value;
    const newPassword = found.get(pendingParameterName(this.cluster.passwordParameter))?.value;
    if (!oldPassword || !newPassword) {
      throw new RedisHaError(
        'ROTATION_SECRETS_MISSING',
        'the pending or previous password parameter is missing',
      );
    }
    return { oldPassword, newPassword };
  }

  /** Step 3: add the new password next to the old on every node, then switch masterauth. */
  private async addToNodes(
    record: RotationRecord,
    { oldPassword, newPassword }: Secrets,
  ): Promise<RotationRecord> {
    const user = this.cluster.username ?? 'default';
    const nodes = await this.currentNodes(record, oldPassword);
    // Two passes: no replica may authenticate with the new password before every node knows it.
    for (const node of nodes)
      await this.onNode(
        node,
        [oldPassword, newPassword],
        [['ACL', 'SETUSER', user, 'on', `>${newPassword}`]],
      );
    for (const node of nodes) {
      await this.onNode(
        node,
        [newPassword, oldPassword],
        [
          ['CONFIG', 'SET', 'masterauth', newPassword],
          ...(this.cluster.username ? [['CONFIG', 'SET', 'masteruser', user]] : []),
        ],
      );
      await this.persist(node, [newPassword, oldPassword]);
    }
    return { ...record, nodes: nodes.map(formatEndpoint) };
  }

  /** Step 4: the sentinels use the new password for the data nodes. */
  private async updateSentinels(password: string): Promise<void> {
    const { sentinelPassword } = await loadCredentials(this.cluster, this.deps.parameters);
    const options = sentinelConnection(this.cluster, sentinelPassword);
    const name = this.cluster.masterName;
    for (const sentinel of this.cluster.sentinels) {
      await this.deps.gateway.run(parseEndpoint(sentinel) as Endpoint, options, [
        ['SENTINEL', 'SET', name, 'auth-pass', password],
        ...(this.cluster.username
          ? [['SENTINEL', 'SET', name, 'auth-user', this.cluster.username]]
          : []),
      ]);
    }
  }

  /** Step 5: the new password works everywhere, replication is up, the sentinels agree. */
  private async verify(record: RotationRecord, { newPassword }: Secrets): Promise<void> {
    const current = await loadCredentials(this.cluster, this.deps.parameters);
    const probe = await probeCluster(this.cluster, this.deps, {
      ...current,
      dataPassword: newPassword,
    });
    const problems = probe.verdict.reasons.filter(
      (r) =>
        r.code === 'AUTH_FAILED' ||
        r.code === 'SENTINELS_DISAGREE' ||
        (!record.isForced && r.code === 'REPLICA_DOWN'),
    );
    if (!probe.verdict.isConfirmed || problems.length > 0) {
      throw new RedisHaError(
        'ROTATION_VERIFY_FAILED',
        `verification failed: ${probe.verdict.reasons.map((r) => r.message).join('; ') || 'master not confirmed'}`,
      );
    }
    for (const node of await this.currentNodes(record, newPassword))
      await this.onNode(node, [newPassword], [['PING']]);
  }

  /** Step 6: platforms read the new password from now on. */
  private async publishPassword(
    record: RotationRecord,
    { newPassword }: Secrets,
  ): Promise<RotationRecord> {
    await this.deps.parameters.put(this.cluster.passwordParameter, newPassword, { isSecure: true });
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
    await this.lock(record.gracePeriodMs + this.options.leaseMs);
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
      await this.deps.state.acquireLock(
        this.cluster.name,
        this.owner,
        remainingMs,
        this.deps.clock.now(),
      );
      return false;
    }
    await this.deps.sleep(remainingMs, this.options.signal);
    await this.lock(this.options.leaseMs);
    return true;
  }

  /** Step 7: only the new password remains, everywhere, and the old one is refused. */
  private async removeOld(
    record: RotationRecord,
    { oldPassword, newPassword }: Secrets,
  ): Promise<void> {
    const user = this.cluster.username ?? 'default';
    for (const node of await this.currentNodes(record, newPassword)) {
      await this.onNode(
        node,
        [newPassword],
        [['ACL', 'SETUSER', user, `<${oldPassword}`]],
        PASSWORD_REMOVED,
      );
      if (!this.cluster.username) {
        // requirepass style: keep redis.conf's requirepass line in step with the ACL.
        await this.onNode(node, [newPassword], [['CONFIG', 'SET', 'requirepass', newPassword]]);
      }
      await this.persist(node, [newPassword]);
      const refused = await this.deps.gateway.queryRole(
        node,
        dataConnection(this.cluster, oldPassword),
      );
      if (refused.ok || refused.failure !== 'auth-failed') {
        throw new RedisHaError(
          'ROTATION_OLD_STILL_VALID',
          `${formatEndpoint(node)} still accepts the old password`,
        );
      }
    }
  }

  private async finish(record: RotationRecord): Promise<void> {
    await this.deps.parameters.delete(pendingParameterName(this.cluster.passwordParameter));
    await this.deps.parameters.delete(previousParameterName(this.cluster.passwordParameter));
    await this.publish(record, EventType.rotationCompleted, { startedAt: record.startedAt });
    await this.deps.state.releaseLock(this.cluster.name, this.owner);
  }

  /** Before publishing: the old password is again the only one, everywhere. */
  private async rollBack(
    record: RotationRecord,
    { oldPassword, newPassword }: Secrets,
  ): Promise<RotationRecord> {
    const user = this.cluster.username ?? 'default';
    const { sentinelPassword } = await loadCredentials(this.cluster, this.deps.parameters);
    // A node that cannot be reached now either never got the new password (it was down at
    // step 3) or gets it removed at its next rollback attempt; a node that answers and cannot
    // be reverted keeps the rollback pending.
    const skipped: string[] = [];
    const unreverted: string[] = [];
    const attempt = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        const text = redact(error instanceof Error ? error.message : String(error), [
          oldPassword,
          newPassword,
        ]);
        const isUnreachable =
          error instanceof GatewayError &&
          (error.failure === 'unreachable' || error.failure === 'timeout');
        (isUnreachable ? skipped : unreverted).push(text);
      }
    };
    for (const sentinel of this.cluster.sentinels) {
      await attempt(() =>
        this.deps.gateway.run(
          parseEndpoint(sentinel) as Endpoint,
          sentinelConnection(this.cluster, sentinelPassword),
          [['SENTINEL', 'SET', this.cluster.masterName, 'auth-pass', oldPassword]],
        ),
      );
    }
    const nodes = await this.currentNodes(record, oldPassword);
    for (const node of nodes) {
      await attempt(() =>
        this.onNode(
          node,
          [oldPassword, newPassword],
          [['CONFIG', 'SET', 'masterauth', oldPassword]],
        ),
      );
    }
    for (const node of nodes) {
      await attempt(async () => {
        await this.onNode(
          node,
          [oldPassword, newPassword],
          [['ACL', 'SETUSER', user, `<${newPassword}`]],
          PASSWORD_REMOVED,
        );
        await this.persist(node, [oldPassword]);
      });
    }
    if (unreverted.length > 0) throw new RedisHaError('ROLLBACK_INCOMPLETE', unreverted.join('; '));
    await this.deps.parameters.delete(pendingParameterName(this.cluster.passwordParameter));
    await this.deps.parameters.delete(previousParameterName(this.cluster.passwordParameter));
    const done = await this.save({ ...record, phase: 'rolled-back', completedAt: this.now() });
    await this.journal(
      done,
      'rolled-back',
      'done',
      skipped.length ? `skipped unreachable: ${[...new Set(skipped)].join('; ')}` : '',
    );
    await this.publish(done, EventType.rotationRolledBack, { error: record.error });
    await this.deps.state.releaseLock(this.cluster.name, this.owner);
    return done;
  }

  private async onNode(
    node: Endpoint,
    passwords: readonly string[],
    commands: string[][],
    tolerated?: RegExp,
  ): Promise<void> {
    let lastError: unknown;
    for (const password of passwords) {
      try {
        for (const command of commands) {
          try {
            await this.deps.gateway.run(node, dataConnection(this.cluster, password), [command]);
          } catch (error) {
            if (!tolerated?.test(String(error))) throw error;
          }
        }
        return;
      } catch (error) {
        lastError = error;
        if (!/auth|WRONGPASS|NOAUTH/i.test(String(error))) break;
      }
    }
    throw lastError;
  }

  /** CONFIG REWRITE always (masterauth, users in redis.conf); ACL SAVE when users live in an ACL file. */
  private async persist(node: Endpoint, passwords: readonly string[]): Promise<void> {
    const [, aclfile] = ((await this.runOn(node, passwords, ['CONFIG', 'GET', 'aclfile'])) ??
      []) as string[];
    if (aclfile) await this.onNode(node, passwords, [['ACL', 'SAVE']]);
    await this.onNode(node, passwords, [['CONFIG', 'REWRITE']]);
  }

  private async runOn(
    node: Endpoint,
    passwords: readonly string[],
    command: string[],
  ): Promise<unknown> {
    for (const password of passwords) {
      try {
        const [reply] = await this.deps.gateway.run(node, dataConnection(this.cluster, password), [
          command,
        ]);
        return reply;
      } catch (error) {
        if (!/auth|WRONGPASS|NOAUTH/i.test(String(error)) || password === passwords.at(-1))
          throw error;
      }
    }
    return undefined;
  }

  /** The record's nodes plus any the sentinels know now (a failover may have added one). */
  private async currentNodes(record: RotationRecord, password: string): Promise<Endpoint[]> {
    const known = new Set(record.nodes);
    try {
      const stored = await loadCredentials(this.cluster, this.deps.parameters);
      const probe = await probeCluster(this.cluster, this.deps, {
        ...stored,
        dataPassword: password,
      });
      for (const node of dataNodes(this.cluster, probe)) known.add(node);
    } catch {
      // The record's nodes are enough to go on with.
    }
    return [...known].map((text) => parseEndpoint(text) as Endpoint);
  }

  private async current(): Promise<RotationRecord | undefined> {
    return (await this.deps.state.getRotation(this.cluster.name)) as RotationRecord | undefined;
  }

  private async save(record: RotationRecord): Promise<RotationRecord> {
    const saved = { ...record, updatedAt: this.now() };
    await this.deps.state.putRotation(this.cluster.name, { ...saved });
    return saved;
  }

  private async lock(leaseMs: number): Promise<boolean> {
    return this.deps.state.acquireLock(
      this.cluster.name,
      this.owner,
      leaseMs,
      this.deps.clock.now(),
    );
  }

  private lockedError(): RotationLockedError {
    return new RotationLockedError(
      this.cluster.name,
      'another rotation holds the lock; see `redis-ha rotations`',
    );
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

  private defaultGraceMs(): number {
    return gracePeriodMs(this.cluster);
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}

/** Master and replicas as dial addresses, from what the probe saw. */
export function dataNodes(cluster: SentinelCluster, probe: ProbeResult): string[] {
  const nodes = new Set<string>();
  if (probe.masterDial) nodes.add(formatEndpoint(probe.masterDial));
  const role = probe.observation.master;
  if (role?.ok)
    for (const r of role.replicas) nodes.add(formatEndpoint(mapAddress(cluster, r.endpoint)));
  for (const { answer } of probe.observation.sentinels) {
    if (!answer.ok) continue;
    for (const r of answer.replicas) nodes.add(formatEndpoint(mapAddress(cluster, r.endpoint)));
  }
  return [...nodes];
}

function nextPhaseOrSelf(phase: RotationPhase): string {
  return isTerminal(phase) || phase === 'rolling-back' ? phase : nextPhase(phase);
}
