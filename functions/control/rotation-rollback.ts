// The way back before publishing: turning a rotation to `rolling-back` (`rotate --abort`, a
// state machine's catch) and closing it as `rolled-back` once the old password is again the only
// one (or when nothing had reached Redis). The undo itself is a phase: rotation-phase.ts.
import type { Cluster } from '../core/inventory';
import { EventType } from '../core/events';
import { isPublished, isTerminal, type RotationRecord } from '../core/rotation';
import type { ControlDeps } from './reconcile';
import { RotationAbortRefusedError } from './rotation-errors';
import type { RotationPhaseDeps, RotationPhaseOptions } from './rotation-phase';
import { deleteInFlightCopies } from './rotation-secrets';
import { RotationTrail } from './rotation-trail';

/** What closing a rotation needs: whose it is, where it is recorded, who holds its lock. */
export interface Closing {
  readonly cluster: Cluster;
  readonly deps: ControlDeps;
  readonly trail: RotationTrail;
  readonly holder: string;
}

/**
 * Turns a rotation before publishing towards its rollback: `started` closes at once (nothing
 * reached Redis), a later phase becomes `rolling-back` with `reason` added to its error (the next
 * phase run undoes it), `rolling-back` and terminal records come back as they are. Refuses
 * (RotationAbortRefusedError) once published. The caller holds the lock.
 */
export async function beginRollback(
  cluster: Cluster,
  record: RotationRecord,
  deps: RotationPhaseDeps,
  options: Omit<RotationPhaseOptions, 'signal'> & { readonly reason: string },
): Promise<RotationRecord> {
  if (isTerminal(record.phase) || record.phase === 'rolling-back') return record;
  if (isPublished(record.phase)) throw new RotationAbortRefusedError(cluster.name, record);
  const trail = new RotationTrail(cluster, deps, options.actor);
  const error = record.error ? `${record.error}; ${options.reason}` : options.reason;
  if (record.phase === 'started')
    return closeRolledBack(
      { cluster, deps, trail, holder: options.holder },
      { ...record, error },
      {},
    );
  return trail.save({ ...record, phase: 'rolling-back', error }, record.phase);
}

/**
 * Ends a rotation as `rolled-back`: the in-flight copies of the passwords go, the journal says
 * what was skipped or not persisted, the event, the lock released.
 */
export async function closeRolledBack(
  { cluster, deps, trail, holder }: Closing,
  record: RotationRecord,
  {
    skipped = [],
    unpersisted = [],
  }: { skipped?: readonly string[]; unpersisted?: readonly string[] },
): Promise<RotationRecord> {
  await deleteInFlightCopies(cluster, deps.parameters);
  const done = await trail.save(
    { ...record, phase: 'rolled-back', completedAt: trail.now() },
    record.phase,
  );
  const notes = [
    ...(skipped.length ? [`skipped unreachable: ${skipped.join('; ')}`] : []),
    // The old password is back in memory there; their config may still hold the new one.
    ...(unpersisted.length
      ? [`reverted in memory but not persisted: ${unpersisted.join('; ')}`]
      : []),
  ];
  await trail.journal(done, 'rolled-back', 'done', notes.join('; '));
  await trail.publish(done, EventType.rotationRolledBack, {
    error: record.error,
    ...(unpersisted.length ? { unpersisted } : {}),
  });
  await deps.state.releaseLock(cluster.name, record.rotationId, holder);
  return done;
}
