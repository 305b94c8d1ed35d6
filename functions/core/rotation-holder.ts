// Who holds a rotation lock, in words and in fact: a local runner is `host:pid:uuid`, so a runner
// on the same host can tell a crashed holder (its process is gone) from a live one; any other
// holder (a Step Functions execution name) is never taken over, only its lease's expiry counts.
// Pure: the caller says which host and process it is, and whether a pid is alive.

/** A local holder id: `host:pid:uuid`. */
export function localHolder(host: string, pid: number, uuid: string): string {
  return `${host}:${pid}:${uuid}`;
}

/** Host and pid of a `host:pid:uuid` holder; null for another shape (a Step Functions one). */
export function parseLocalHolder(holder: string): { host: string; pid: number } | null {
  const parts = holder.split(':');
  if (parts.length < 3) return null;
  const pid = Number(parts.at(-2));
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return { host: parts.slice(0, -2).join(':'), pid };
}

/** `process <pid> on <host>` for a local holder, the holder itself otherwise; for messages. */
export function describeLockHolder(holder: string): string {
  const local = parseLocalHolder(holder);
  return local ? `process ${local.pid} on ${local.host}` : holder;
}

/**
 * True only when `holder` ran on `self.host`, is another process than `self`, and that process
 * no longer exists. A pid reused by another process reads as alive: the safe side, the lease
 * then decides.
 */
export function isLocalHolderGone(
  holder: string,
  self: { readonly host: string; readonly pid: number },
  isProcessAlive: (pid: number) => boolean,
): boolean {
  const local = parseLocalHolder(holder);
  if (!local || local.host !== self.host || local.pid === self.pid) return false;
  return !isProcessAlive(local.pid);
}
