// Starting a rotation on request (the API): refuse while one runs, take the cluster's rotation lock
// in the new rotation's name, then start its run. The lock is taken BEFORE the run starts, so two
// racing requests cannot both start one; it is released again if the start fails. Ports only.
import type { Clock, Logger, RotationStarter, StateStore } from '../core/ports';
import { isTerminal, type RotationPhase } from '../core/rotation';

export interface StartRotationDeps {
  readonly state: StateStore;
  readonly starter: RotationStarter;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface StartRotationCommand {
  readonly cluster: string;
  /** A fresh id: the lock owner and holder, and the run's (execution's) name. */
  readonly rotationId: string;
  readonly actor: string;
  readonly isForced: boolean;
  readonly gracePeriodMs?: number;
  /** Lease of the lock taken here; the run's first step renews it under the same owner. */
  readonly leaseMs: number;
}

export type StartRotationOutcome =
  | {
      readonly kind: 'started';
      readonly rotationId: string;
      readonly executionArn: string;
      /** A run of that name existed already (a retried request): nothing new started. */
      readonly isAlreadyStarted: boolean;
    }
  | {
      readonly kind: 'running';
      /** The rotation that blocks, when known. */
      readonly rotationId: string | null;
      readonly phase: RotationPhase | null;
      readonly detail: string;
    };

/**
 * The lease of the lock the API takes before it starts the execution. The execution's Start
 * task renews it within seconds; kept short so that an API that died before starting it, or a
 * Start refused for bad input, blocks the cluster's rotations for two minutes at most.
 */
export const API_ROTATION_LEASE_MS = 2 * 60_000;

export async function startRotation(
  deps: StartRotationDeps,
  command: StartRotationCommand,
): Promise<StartRotationOutcome> {
  const { cluster, rotationId } = command;
  const blocking = await runningRotation(deps, cluster);
  if (blocking) return blocking;

  const claim = { owner: rotationId, holder: rotationId };
  if (!(await deps.state.acquireLock(cluster, claim, command.leaseMs, deps.clock.now()))) {
    const lock = await deps.state.getLock(cluster);
    return {
      kind: 'running',
      rotationId: lock?.owner ?? null,
      phase: null,
      detail: lock
        ? `the rotation lock of ${cluster} is held by rotation ${lock.owner} (run ${lock.holder}) until ${lock.expiresAt}`
        : `the rotation lock of ${cluster} is held by another rotation`,
    };
  }
  try {
    // A rotation may have begun between the first look and the lock (then finished its lock
    // step without us seeing it): look again now that nobody else can begin one.
    const lateBlocking = await runningRotation(deps, cluster);
    if (lateBlocking) {
      await deps.state.releaseLock(cluster, rotationId, rotationId);
      return lateBlocking;
    }
    const { executionArn, isAlreadyStarted } = await deps.starter.start({
      cluster,
      rotationId,
      actor: command.actor,
      isForced: command.isForced,
      ...(command.gracePeriodMs === undefined ? {} : { gracePeriodMs: command.gracePeriodMs }),
    });
    deps.logger.info('rotation started', { cluster, rotationId, executionArn, isAlreadyStarted });
    return { kind: 'started', rotationId, executionArn, isAlreadyStarted };
  } catch (error) {
    await deps.state.releaseLock(cluster, rotationId, rotationId).catch((releaseError: unknown) =>
      deps.logger.error('could not release the rotation lock after a failed start', {
        cluster,
        rotationId,
        error: String(releaseError),
      }),
    );
    throw error;
  }
}

async function runningRotation(
  deps: StartRotationDeps,
  cluster: string,
): Promise<StartRotationOutcome | undefined> {
  const latest = await deps.state.getRotation(cluster);
  if (!latest || isTerminal(latest.phase)) return undefined;
  return {
    kind: 'running',
    rotationId: latest.rotationId,
    phase: latest.phase,
    detail: `rotation ${latest.rotationId} of ${cluster} is in phase ${latest.phase} (started ${latest.startedAt} by ${latest.actor}); wait for it to finish`,
  };
}
