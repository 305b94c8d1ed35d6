// How a rotation reaches an ElastiCache group's data plane to prove a token or password: TLS
// from the inventory, the RBAC user name (none for an AUTH token), the cluster's timeouts. Pure.
// (The probe's work generalises the Sentinel connection options; this stays the rotation's.)
import { tlsOptions } from './connection';
import { authUsername } from './elasticache-rotation';
import type { ElastiCacheCluster } from './inventory';
import type { ConnectionOptions } from './ports';

/** Connection options that AUTH as the cluster's client with `password` (token or password). */
export function elastiCacheAuthConnection(
  cluster: ElastiCacheCluster,
  password: string,
): ConnectionOptions {
  const username = authUsername(cluster);
  const tls = tlsOptions(cluster);
  return {
    connectTimeoutMs: cluster.timeouts.connectMs,
    commandTimeoutMs: cluster.timeouts.commandMs,
    password,
    ...(username ? { username } : {}),
    ...(tls ? { tls } : {}),
  };
}
