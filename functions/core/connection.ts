// How to reach a cluster's sentinels and data nodes (or an ElastiCache group's endpoints): user,
// password, TLS, timeouts and command renames, from the inventory. Pure: the gateway does the
// connecting (and reads the CA file).
import type { Cluster, ElastiCacheCluster, SentinelCluster } from './inventory';
import type { ConnectionOptions } from './ports';

/** The cluster's TLS settings as the gateway takes them; undefined without TLS. */
export function tlsOptions(cluster: Pick<Cluster, 'tls'>): ConnectionOptions['tls'] {
  const tls = cluster.tls;
  if (!tls?.enabled) return undefined;
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.caFile ? { caFile: tls.caFile } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
}

/**
 * How to reach the data nodes: the cluster's ACL user and command renames. ElastiCache: the RBAC
 * user (`username`, else `userId`) with its password, or no user with an AUTH token.
 */
export function dataConnection(cluster: Cluster, password: string | undefined): ConnectionOptions {
  if (cluster.kind === 'elasticache')
    return connection(cluster, elastiCacheUsername(cluster), password);
  return {
    ...connection(cluster, cluster.username, password),
    commandRenames: cluster.commandRenames,
  };
}

/** How to reach the sentinels: their own user and password, no renames. */
export function sentinelConnection(
  cluster: SentinelCluster,
  password: string | undefined,
): ConnectionOptions {
  return connection(cluster, cluster.sentinelUsername, password);
}

/** The RBAC user name clients AUTH with; none with an AUTH token (the default user). */
function elastiCacheUsername(cluster: ElastiCacheCluster): string | undefined {
  return cluster.userId ? (cluster.username ?? cluster.userId) : undefined;
}

function connection(
  cluster: Cluster,
  username: string | undefined,
  password: string | undefined,
): ConnectionOptions {
  const tls = tlsOptions(cluster);
  return {
    connectTimeoutMs: cluster.timeouts.connectMs,
    commandTimeoutMs: cluster.timeouts.commandMs,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(tls ? { tls } : {}),
  };
}
