// The ElastiCache API of an ElastiCache cluster's Region, taken from the control plane's ports:
// the one place that tells a runtime without an ElastiCache client wired in (probe, reconcile,
// rotation alike). No I/O: the factory builds clients lazily.
import type { ElastiCacheApi } from '../core/elasticache';
import { RedisHaError } from '../core/errors';
import type { ElastiCacheCluster } from '../core/inventory';
import type { ControlDeps } from './reconcile';

/** The ElastiCache API of the cluster's Region, or a clear error when the runtime has none. */
export function elastiCacheApiOf(
  cluster: ElastiCacheCluster,
  deps: Pick<ControlDeps, 'elasticache'>,
): ElastiCacheApi {
  if (!deps.elasticache)
    throw new RedisHaError(
      'ELASTICACHE_NOT_WIRED',
      `${cluster.name}: no ElastiCache API client is configured in this deployment (ControlDeps.elasticache)`,
    );
  return deps.elasticache(cluster.region);
}
