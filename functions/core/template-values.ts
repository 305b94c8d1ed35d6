// What a cluster's platform parameter templates are rendered from (Sentinel master, or an
// ElastiCache group's endpoints), and a digest of it that stands in for the rendered values in
// the state store. Pure; the digest never covers the password itself, only its version.
import { createHash } from 'node:crypto';
import { formatEndpoint, type Endpoint } from './endpoint';
import type { ElastiCacheCluster, SentinelCluster } from './inventory';
import type { TemplateValues } from './template';

/** The placeholder values of `cluster` with `master` as the master and `password` (or none). */
export function templateValues(
  cluster: SentinelCluster,
  master: Endpoint,
  password: string | undefined,
): TemplateValues {
  return {
    host: master.host,
    port: String(master.port),
    password: password ?? '',
    tls: cluster.tls?.enabled ? 'true' : 'false',
    masterName: cluster.masterName,
    sentinels: cluster.sentinels.join(','),
    // Reader endpoints are ElastiCache's; the inventory refuses them in a Sentinel template.
    readerHost: '',
    readerPort: '',
  };
}

/** What the parameters are rendered from, without the password itself (its version stands in). */
export function parametersDigest(
  cluster: SentinelCluster,
  master: Endpoint,
  passwordVersion: number,
): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        templates: cluster.platformParameters,
        master: formatEndpoint(master),
        passwordVersion,
        tls: !!cluster.tls?.enabled,
        sentinels: cluster.sentinels,
        masterName: cluster.masterName,
      }),
    )
    .digest('hex');
}

/** Where clients of an ElastiCache group connect. */
export interface GroupEndpoints {
  /** The primary endpoint, or the configuration endpoint with cluster mode enabled. */
  readonly primary: Endpoint;
  /** The reader endpoint (cluster mode disabled), when the group has one. */
  readonly reader: Endpoint | null;
}

/** The placeholder values of an ElastiCache group: its endpoints, token or password, TLS. */
export function elastiCacheTemplateValues(
  cluster: ElastiCacheCluster,
  endpoints: GroupEndpoints,
  password: string | undefined,
): TemplateValues {
  // Without a reader endpoint, readers use the primary: what a client library falls back to.
  const reader = endpoints.reader ?? endpoints.primary;
  return {
    host: endpoints.primary.host,
    port: String(endpoints.primary.port),
    password: password ?? '',
    tls: cluster.tls.enabled ? 'true' : 'false',
    masterName: cluster.replicationGroupId,
    // The inventory refuses {{sentinels}} in an ElastiCache template.
    sentinels: '',
    readerHost: reader.host,
    readerPort: String(reader.port),
  };
}

/**
 * What an ElastiCache group's parameters are rendered from. `primaries` (each shard's primary
 * node) is in it although no placeholder names a node: a new primary re-renders the
 * parameters, so a value that drifted meanwhile is put back at the failover.
 */
export function elastiCacheParametersDigest(
  cluster: ElastiCacheCluster,
  endpoints: GroupEndpoints,
  passwordVersion: number,
  primaries: readonly string[],
): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        templates: cluster.platformParameters,
        primary: formatEndpoint(endpoints.primary),
        reader: endpoints.reader ? formatEndpoint(endpoints.reader) : null,
        passwordVersion,
        tls: cluster.tls.enabled,
        replicationGroupId: cluster.replicationGroupId,
        primaries,
      }),
    )
    .digest('hex');
}
