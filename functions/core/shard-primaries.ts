// ElastiCache: each node group's primary as the state keeps it, and the pure decision of which
// shards changed primary since the last commit. No I/O, no clock reads.
import { formatEndpoint } from './endpoint';
import type { ShardPrimary } from './verdict';

/** A node group's primary as the state keeps it. */
export interface StoredShardPrimary {
  readonly cacheClusterId: string | null;
  /** `host:port` of the node itself. */
  readonly endpoint: string | null;
  /**
   * Revision of the commit that recorded this node as the shard's primary; absent in states
   * written before it existed. A change away from this primary is named after it, so every run
   * that sees the same change (whatever else was committed meanwhile) gives it the same id.
   */
  readonly sinceRevision?: number;
}

export type StoredShards = Readonly<Record<string, StoredShardPrimary>>;

/** A shard whose confirmed primary is another node than the stored one. */
export interface ShardChange {
  readonly nodeGroupId: string;
  readonly previous: StoredShardPrimary;
  readonly current: StoredShardPrimary;
  /**
   * Stable cause of the change's event: the shard, both nodes, and the revision that recorded
   * the previous one. Not the state's current revision: a commit that leaves the shard alone
   * (another run's, during the failover) must not turn a published change into a new one.
   */
  readonly cause: string;
}

/**
 * How two records of a shard's primary compare. Cache cluster ids when both have one, else
 * endpoints when both have one: a probe that could not map a node to its id (cluster mode, a
 * CLUSTER SHARDS hostname no member matches) records only the endpoint, and an id against an
 * endpoint says nothing about whether the node changed.
 */
export function compareShardPrimaries(
  a: StoredShardPrimary,
  b: StoredShardPrimary,
): 'same' | 'different' | 'incomparable' {
  if (a.cacheClusterId && b.cacheClusterId)
    return a.cacheClusterId === b.cacheClusterId ? 'same' : 'different';
  if (a.endpoint && b.endpoint) return a.endpoint === b.endpoint ? 'same' : 'different';
  return 'incomparable';
}

function storedShard(shard: ShardPrimary): StoredShardPrimary {
  return {
    cacheClusterId: shard.cacheClusterId,
    endpoint: shard.endpoint ? formatEndpoint(shard.endpoint) : null,
  };
}

/**
 * A node's name in event causes and the parameters digest: its endpoint first, known in both
 * cluster modes (cluster mode enabled: CLUSTER SHARDS always gives it, the id only when a member
 * matches the node's hostname), so runs that mapped the id and runs that did not agree.
 */
const nodeKeyOf = (shard: StoredShardPrimary) => shard.endpoint ?? shard.cacheClusterId ?? '';

/** Confirmed primaries that differ from the stored ones (first sightings are no change). */
export function changedShards(
  stored: StoredShards | undefined,
  shards: readonly ShardPrimary[],
): ShardChange[] {
  const changes: ShardChange[] = [];
  for (const shard of shards) {
    const before = stored?.[shard.nodeGroupId];
    if (!shard.isConfirmed || !before) continue;
    const current = storedShard(shard);
    if (compareShardPrimaries(before, current) !== 'different') continue;
    // States written before `sinceRevision` existed count as 0, a revision no commit has.
    const cause = `${shard.nodeGroupId}|${nodeKeyOf(before)}>${nodeKeyOf(current)}|${before.sinceRevision ?? 0}`;
    changes.push({ nodeGroupId: shard.nodeGroupId, previous: before, current, cause });
  }
  return changes;
}

/**
 * The stored primaries with this probe's confirmed ones over them, as of commit `revision`.
 * Shards no longer in the group (scaled in) are forgotten; unconfirmed ones keep their last.
 */
export function nextShards(
  stored: StoredShards | undefined,
  shards: readonly ShardPrimary[],
  revision: number,
): Record<string, StoredShardPrimary> {
  const next: Record<string, StoredShardPrimary> = {};
  for (const shard of shards) {
    const before = stored?.[shard.nodeGroupId];
    const current = storedShard(shard);
    if (!shard.isConfirmed || !nodeKeyOf(current)) {
      if (before) next[shard.nodeGroupId] = before;
      continue;
    }
    const comparison = before ? compareShardPrimaries(before, current) : 'different';
    if (comparison === 'different') {
      next[shard.nodeGroupId] = { ...current, sinceRevision: revision };
      continue;
    }
    // The same node: keep what this probe could not see of it (an id it could not map). Records
    // that cannot be compared: take this probe's, without calling it a change. Either way the
    // revision that recorded the shard's primary stays.
    const since =
      before?.sinceRevision !== undefined ? { sinceRevision: before.sinceRevision } : {};
    const merged: StoredShardPrimary =
      comparison === 'same' && before
        ? {
            cacheClusterId: current.cacheClusterId ?? before.cacheClusterId,
            endpoint: current.endpoint ?? before.endpoint,
            ...since,
          }
        : { ...current, ...since };
    next[shard.nodeGroupId] = merged;
  }
  return next;
}

/** What a shard's primary adds to the parameters digest: the same whether or not its id mapped. */
export function primaryDigestKey(shard: ShardPrimary): string {
  return `${shard.nodeGroupId}=${nodeKeyOf(storedShard(shard))}`;
}
