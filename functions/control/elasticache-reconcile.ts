// Probes one ElastiCache replication group and acts on the verdict, as reconcile.ts does for
// Sentinel clusters. (Filled in by the ElastiCache probe work.)
import { RedisHaError } from '../core/errors';
import type { ElastiCacheCluster } from '../core/inventory';
import type { ControlDeps, ReconcileOptions, ReconcileReport } from './reconcile';

export function reconcileElastiCache(
  cluster: ElastiCacheCluster,
  _deps: ControlDeps,
  _options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  return Promise.reject(
    new RedisHaError('NOT_SUPPORTED', `${cluster.name}: ElastiCache probing is not built yet`),
  );
}
