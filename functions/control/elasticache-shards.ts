// Reads `CLUSTER SHARDS` (Redis 7+, Valkey) as the probe needs it: each shard's slots, its
// master node's endpoint and its online replicas. ElastiCache's API names no primary with cluster mode enabled, so
// the cluster's own view is the source. Pure parsing of a reply; no I/O.
import type { Endpoint } from '../core/endpoint';

/** A node as the probe dials it: its endpoint, and the DNS name it announces, if any. */
export interface ShardNode {
  readonly endpoint: Endpoint;
  readonly hostname?: string;
}

export interface ClusterShard {
  /** The lowest slot the shard serves; undefined when it serves none. */
  readonly firstSlot: number | undefined;
  /** The highest slot the shard serves; undefined when it serves none. */
  readonly lastSlot: number | undefined;
  readonly master: ShardNode | undefined;
  /** Its replicas that are online. */
  readonly replicas: readonly ShardNode[];
}

/**
 * The shards of a `CLUSTER SHARDS` reply (RESP2: flat key/value arrays). A node whose health is
 * not `online` is left out (no master to confirm). `isTls`: dial the `tls-port`.
 */
export function clusterShards(reply: unknown, isTls: boolean): ClusterShard[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((raw) => {
    const shard = pairs(raw);
    const slots = Array.isArray(shard.slots) ? shard.slots.map(Number) : [];
    const nodes = Array.isArray(shard.nodes) ? shard.nodes.map(pairs) : [];
    const online = nodes.filter((n) => n.health === 'online');
    const master = online.find((n) => n.role === 'master');
    return {
      firstSlot: slots.length > 0 ? Math.min(...slots) : undefined,
      lastSlot: slots.length > 0 ? Math.max(...slots) : undefined,
      master: master ? nodeOf(master, isTls) : undefined,
      replicas: online.filter((n) => n.role === 'replica').flatMap((n) => nodeOf(n, isTls) ?? []),
    };
  });
}

function nodeOf(node: Record<string, unknown>, isTls: boolean): ShardNode | undefined {
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
