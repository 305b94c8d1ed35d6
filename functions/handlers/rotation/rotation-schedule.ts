// The rotation-check schedule in AWS: for every cluster whose `rotation.everyDays` says a
// rotation is due (the rule: functions/core/rotation-policy.ts) and with none in flight, start an
// execution of the state machine named by a new rotation id, actor `schedule`. It runs no phase
// itself: a rotation in flight belongs to its execution.
import type { Inventory } from '../../core/inventory';
import type { Clock, Logger, RotationStarter, StateStore } from '../../core/ports';
import { scheduledRotation } from '../../core/rotation-policy';

export interface ScheduleDeps {
  readonly state: Pick<StateStore, 'getRotation' | 'getLock'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly starter: RotationStarter;
  /** A new rotation id (the execution's name: at most 80 of [A-Za-z0-9_-]). */
  readonly newRotationId: () => string;
}

export interface ScheduleOutcome {
  /** Rotations started by this tick, cluster → rotation id. */
  readonly started: Readonly<Record<string, string>>;
}

/** Starts the due rotations; one cluster's failure is logged and does not stop the others. */
export async function startDueRotations(
  inventory: Inventory,
  deps: ScheduleDeps,
): Promise<ScheduleOutcome> {
  const started: Record<string, string> = {};
  const now = deps.clock.now();
  for (const cluster of inventory.clusters) {
    if (cluster.rotation.everyDays === undefined) continue;
    try {
      const record = await deps.state.getRotation(cluster.name);
      const lock = await deps.state.getLock(cluster.name);
      const action = scheduledRotation({
        record,
        isLocked: !!lock && Date.parse(lock.expiresAt) > now.getTime(),
        everyDays: cluster.rotation.everyDays,
        now,
      });
      if (action === 'resume' && record) {
        // Its execution carries it (after a grace period, or through retries); one that ended
        // NeedsAttention has raised the ExecutionsFailed alarm for an operator.
        deps.logger.info('rotation in flight; left to its execution', {
          cluster: cluster.name,
          rotationId: record.rotationId,
          phase: record.phase,
        });
      }
      if (action !== 'start') continue;
      const rotationId = deps.newRotationId();
      const { isAlreadyStarted } = await deps.starter.start({
        cluster: cluster.name,
        rotationId,
        actor: 'schedule',
        isForced: false,
      });
      started[cluster.name] = rotationId;
      deps.logger.info('scheduled rotation started', {
        cluster: cluster.name,
        rotationId,
        isAlreadyStarted,
      });
    } catch (error) {
      deps.logger.error('scheduled rotation not started', {
        cluster: cluster.name,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  }
  return { started };
}
