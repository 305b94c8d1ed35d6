// A cluster's rotation lock: owned by the rotation's id, so every step of that rotation (a fresh
// Lambda, a resumed process) may hold it, and held by a `holder`: the execution name in Step
// Functions, `host:pid:uuid` for a local runner. A local holder on this host whose process is
// gone provably died, so its lock can be taken over at once instead of waiting out the lease;
// the wiring tells that (host name, pid checks), never this module.
import { describeLockHolder } from '../core/rotation-holder';
import type { ControlDeps } from './reconcile';
import { RotationLockedError } from './rotation-errors';

/** Who runs rotations in this runtime: mints holder ids and tells a dead holder from a live one. */
export interface RotationHolders {
  /** A new holder id for one runner (`host:pid:uuid` locally). */
  next(): string;
  /** True only when `holder` provably died (a local process now gone); false when unknowable. */
  isGone(holder: string): boolean;
}

/** Takes or renews the lock of `cluster` for rotation `rotationId`, held by `holder`. */
export function acquireRotationLock(
  deps: Pick<ControlDeps, 'state' | 'clock'>,
  cluster: string,
  rotationId: string,
  holder: string,
  leaseMs: number,
): Promise<boolean> {
  return deps.state.acquireLock(cluster, { owner: rotationId, holder }, leaseMs, deps.clock.now());
}

/** The error for a lock someone else holds, naming who and until when. */
export async function lockedError(
  deps: Pick<ControlDeps, 'state'>,
  cluster: string,
): Promise<RotationLockedError> {
  const held = await deps.state.getLock(cluster);
  const by = held
    ? `${describeLockHolder(held.holder)} holds its lock until ${held.expiresAt}`
    : 'another runner holds its lock';
  return new RotationLockedError(cluster, `${by}; see \`redis-ha rotations\``);
}
