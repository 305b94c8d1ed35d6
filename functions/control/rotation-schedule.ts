// What `watch` does for rotations at every tick: finish rotations whose grace period has ended
// (or whose runner crashed), and start those the inventory's `rotation.everyDays` says are due
// (the rule: core/rotation-policy.ts). A rotation therefore survives a restart of the process
// that started it.
import type { Inventory } from '../core/inventory';
import { scheduledRotation } from '../core/rotation-policy';
import {
  RotationLockedError,
  RotationRefusedError,
  RotationRunner,
  type RotationDeps,
} from './rotation-runner';

export { RETRY_AFTER_ROLLBACK_MS } from '../core/rotation-policy';

export async function runDueRotations(
  inventory: Inventory,
  deps: RotationDeps,
  leaseMs: number,
): Promise<void> {
  const now = deps.clock.now();
  for (const cluster of inventory.clusters) {
    const record = await deps.state.getRotation(cluster.name);
    const lock = await deps.state.getLock(cluster.name);
    const action = scheduledRotation({
      record,
      isLocked: !!lock && lock.expiresAt > now.toISOString(),
      everyDays: cluster.rotation.everyDays,
      now,
    });
    if (action === 'none') continue;
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
