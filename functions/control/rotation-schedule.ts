// What `watch` does for rotations at every tick: finish rotations whose grace period has ended
// (or whose runner crashed), and start those the inventory's `rotation.everyDays` says are due.
// A rotation therefore survives a restart of the process that started it.
import type { Inventory } from '../core/inventory';
import { isRotationDue, isTerminal, type RotationRecord } from '../core/rotation';
import {
  RotationLockedError,
  RotationRefusedError,
  RotationRunner,
  type RotationDeps,
} from './rotation-runner';

/** After a rollback, a scheduled rotation waits this long before trying again. */
export const RETRY_AFTER_ROLLBACK_MS = 60 * 60_000;

export async function runDueRotations(
  inventory: Inventory,
  deps: RotationDeps,
  leaseMs: number,
): Promise<void> {
  const now = deps.clock.now();
  for (const cluster of inventory.clusters) {
    const record = (await deps.state.getRotation(cluster.name)) as RotationRecord | undefined;
    const inFlight = record && !isTerminal(record.phase);
    const lock = await deps.state.getLock(cluster.name);
    const isLocked = !!lock && lock.expiresAt > now.toISOString();
    const isDue =
      !inFlight &&
      isRotationDue(
        cluster.rotation.everyDays,
        record?.phase === 'completed' ? record.completedAt : null,
        now,
      ) &&
      !(
        record?.phase === 'rolled-back' &&
        now.getTime() - Date.parse(record.updatedAt) < RETRY_AFTER_ROLLBACK_MS
      );
    if (isLocked || (!inFlight && !isDue)) continue;
    const runner = new RotationRunner(cluster, deps, {
      actor: 'schedule',
      waitForGrace: false,
      leaseMs,
    });
    try {
      const result = await runner.run();
      deps.logger.info('rotation advanced', {
        cluster: cluster.name,
        rotationId: result.rotationId,
        phase: result.phase,
      });
    } catch (error) {
      if (error instanceof RotationLockedError) continue;
      const level = error instanceof RotationRefusedError ? 'warn' : 'error';
      deps.logger[level]('scheduled rotation did not run', {
        cluster: cluster.name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
