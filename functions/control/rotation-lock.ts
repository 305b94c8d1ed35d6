// Who holds a cluster's rotation lock, and whether that holder provably died. A lock owner is
// `host:pid:uuid`, so a runner on the same host can tell a crashed holder (its pid is gone) from
// a live one and take over at once instead of waiting out the lease. It never takes over from a
// live process, nor from one on another host: there only the lease's expiry tells.
import { randomUUID } from 'node:crypto';
// Allowed for now: the owner names this host and pid. Issue 11 makes the lock owner the
// rotation's id (a fresh Lambda must hold the lease), and this import then goes away.
// eslint-disable-next-line no-restricted-imports -- issue 11: owner becomes the rotation id
import { hostname } from 'node:os';

/** A fresh lock owner id for this process: `host:pid:uuid`. */
export function lockOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID()}`;
}

/** `host:pid` of an owner id, for messages; the owner itself when it has another shape. */
export function describeLockOwner(owner: string): string {
  const parts = owner.split(':');
  return parts.length >= 3 ? `process ${parts.at(-2)} on ${parts.slice(0, -2).join(':')}` : owner;
}

/**
 * True only when `owner` ran on this host and its process no longer exists (SIGKILL, crash).
 * A pid reused by another process reads as alive: the safe side, the lease then decides.
 */
export function isLockOwnerGone(owner: string): boolean {
  const parts = owner.split(':');
  if (parts.length < 3) return false;
  const pid = Number(parts.at(-2));
  if (parts.slice(0, -2).join(':') !== hostname() || !Number.isInteger(pid) || pid <= 0)
    return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
