// Reads `CLUSTER SHARDS` (Redis 7+, Valkey) as the probe needs it: each shard's first slot and
// its master node's endpoint. ElastiCache's API names no primary with cluster mode enabled, so
// the cluster's own view is the source. Pure parsing of a reply; no I/O.
import type { Endpoint } from '../core/endpoint';

export interface ClusterShard {
  /** The lowest slot the shard serves; undefined when it serves none. */
  readonly firstSlot: number | undefined;
  readonly master: { readonly endpoint: Endpoint; readonly hostname?: string } | undefined;
}

/**
 * The shards of a `CLUSTER SHARDS` reply (RESP2: flat key/value arrays). A master whose health
 * is not `online` is no master to confirm. `isTls`: dial the `tls-port`.
 */
export function clusterShards(reply: unknown, isTls: boolean): ClusterShard[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((raw) => {
    const shard = pairs(raw);
    const slots = Array.isArray(shard.slots) ? shard.slots.map(Number) : [];
    const nodes = Array.isArray(shard.nodes) ? shard.nodes.map(pairs) : [];
    const master = nodes.find((n) => n.role === 'master' && n.health === 'online');
    return {
      firstSlot: slots.length > 0 ? Math.min(...slots) : undefined,
      master: master ? masterOf(master, isTls) : undefined,
    };
  });
}

function masterOf(
  node: Record<string, unknown>,
  isTls: boolean,
): ClusterShard['master'] | undefined {
  const port = Number((isTls ? node['tls-port'] : undefined) ?? node.port);
  const hostname = typeof node.hostname === 'string' && node.hostname ? node.hostname : undefined;
  const address = hostname ?? String(node.endpoint ?? node.ip ?? '');
  if (!address || address === '?' || !Number.isInteger(port) || port <= 0) return undefined;
  return { endpoint: { host: address, port }, ...(hostname ? { hostname } : {}) };
}

function pairs(value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(value)) return out;
  for (let i = 0; i + 1 < value.length; i += 2) out[String(value[i])] = value[i + 1];
  return out;
}
