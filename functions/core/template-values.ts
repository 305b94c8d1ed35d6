// What a cluster's platform parameter templates are rendered from, and a digest of it that
// stands in for the rendered values in the state store. Pure; the digest never covers the
// password itself, only its version.
import { createHash } from 'node:crypto';
import { formatEndpoint, type Endpoint } from './endpoint';
import type { SentinelCluster } from './inventory';
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
