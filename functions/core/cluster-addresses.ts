// Where a cluster's sentinels and nodes are dialled and how long its grace period is, read from
// an already validated inventory entry. Pure, and free of zod and yaml: the Lambda bundles that
// only read a validated inventory import this, never the schema in inventory.ts.
import { parseDurationMs } from './duration';
import { parseEndpoint, type Endpoint } from './endpoint';
import type { Cluster, SentinelCluster } from './inventory';

/** Dial address for an announced one, following the cluster's address map. */
export function mapAddress(cluster: SentinelCluster, announced: Endpoint): Endpoint {
  const mapped = cluster.addressMap[`${announced.host}:${announced.port}`];
  return (mapped && parseEndpoint(mapped)) || announced;
}

export function sentinelEndpoints(cluster: SentinelCluster): Endpoint[] {
  return cluster.sentinels.map((text) => parseEndpoint(text) as Endpoint);
}

export function gracePeriodMs(cluster: Pick<Cluster, 'rotation'>): number {
  return parseDurationMs(cluster.rotation.gracePeriod) ?? 30_000;
}
