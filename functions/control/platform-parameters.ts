// Renders and writes a cluster's platform parameters. Writes only values that differ, so a
// repeat after a crash is harmless; secure when the template names a secret.
import type { Cluster } from '../core/inventory';
import type { ParameterStore } from '../core/ports';
import { isSecretTemplate, renderTemplate, type TemplateValues } from '../core/template';

/** Writes every platform parameter whose value differs; returns the names written. */
export async function writePlatformParameters(
  cluster: Pick<Cluster, 'platformParameters'>,
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
