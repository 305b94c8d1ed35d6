// Renders platform parameter templates such as `redis://:{{password}}@{{host}}:{{port}}`.
// Pure. A template that names a secret placeholder is always stored as a secure parameter.

export const PLACEHOLDERS = ['host', 'port', 'password', 'tls', 'masterName', 'sentinels'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Readonly<Record<Placeholder, string>>;

const SECRET_PLACEHOLDERS: ReadonlySet<Placeholder> = new Set(['password']);
const TOKEN = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** Placeholder names a template uses, in order of first use. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(TOKEN)].map((m) => m[1] ?? ''))];
}

/** Names used in the template that are not known placeholders. */
export function unknownPlaceholders(template: string): string[] {
  return placeholdersOf(template).filter(
    (name) => !(PLACEHOLDERS as readonly string[]).includes(name),
  );
}

/** True when the rendered value would hold a secret, so it must be stored encrypted. */
export function isSecretTemplate(template: string): boolean {
  return placeholdersOf(template).some((name) => SECRET_PLACEHOLDERS.has(name as Placeholder));
}

export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(TOKEN, (_whole, name: string) => values[name as Placeholder] ?? '');
}
