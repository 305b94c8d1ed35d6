// Which kind an inventory cluster is. Kept apart from inventory.ts (which re-exports these) so
// that Lambda code can narrow a cluster without loading the inventory's schema, classic zod and
// yaml, at every cold start: the functions receive the inventory already validated.
import type { Cluster, ElastiCacheCluster, SentinelCluster } from './inventory';

export function isElastiCache(cluster: Cluster): cluster is ElastiCacheCluster {
  return cluster.kind === 'elasticache';
}

export function isSentinel(cluster: Cluster): cluster is SentinelCluster {
  return cluster.kind === 'sentinel';
}
