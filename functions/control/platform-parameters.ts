// Renders and writes a cluster's platform parameters. Writes only values that differ, so a
// repeat after a crash is harmless; secure when the template names a secret.
import { createHash } from 'node:crypto';
import { formatEndpoint, type Endpoint } from '../core/endpoint';
import type { SentinelCluster } from '../core/inventory';
import type { ParameterStore } from '../core/ports';
import { isSecretTemplate, renderTemplate, type TemplateValues } from '../core/template';

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

/** Writes every platform parameter whose value differs; returns the names written. */
export async function writePlatformParameters(
  cluster: SentinelCluster,
  parameters: ParameterStore,
  values: TemplateValues,
  only?: (template: string) => boolean,
): Promise<string[]> {
  const entries = Object.entries(cluster.platformParameters).filter(
    ([, template]) => !only || only(template),
  );
  const current = await parameters.getMany(entries.map(([name]) => name));
  const written: string[] = [];
  for (const [name, template] of entries) {
    const value = renderTemplate(template, values);
    const isSecure = isSecretTemplate(template);
    const existing = current.get(name);
    if (existing && existing.value === value && existing.isSecure === isSecure) continue;
    await parameters.put(name, value, { isSecure });
    written.push(name);
  }
  return written;
}
