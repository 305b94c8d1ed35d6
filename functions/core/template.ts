// Renders platform parameter templates such as `redis://:{{password}}@{{host}}:{{port}}`.
// Pure. A template that names a secret placeholder is always stored as a secure parameter.
// Validation finds every malformed placeholder, so a typo never writes a broken value.

export const PLACEHOLDERS = [
  'host',
  'port',
  'password',
  'tls',
  'masterName',
  'sentinels',
  'readerHost',
  'readerPort',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Readonly<Record<Placeholder, string>>;

const SECRET_PLACEHOLDERS: ReadonlySet<Placeholder> = new Set(['password']);
const TOKEN = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
const TOKEN_AT = /\{\{\s*([A-Za-z]+)\s*\}\}/y;
/** A known name closed by `}}` but not opened by `{{`: `{host}}`, `host}}`. */
const HALF_OPEN = new RegExp(
  `(?<!\\{\\{\\s*)\\{?\\s*\\b(${PLACEHOLDERS.join('|')})\\s*\\}\\}`,
  'g',
);
const SNIPPET_CHARS = 16;

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

/**
 * Every problem of a template, one sentence each: a `{{` that does not open a `{{name}}`
 * placeholder, a known name closed by `}}` without its `{{`, and unknown names.
 * Single braces stay legal (JSON values).
 */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  let at = template.indexOf('{{');
  while (at !== -1) {
    TOKEN_AT.lastIndex = at;
    if (TOKEN_AT.exec(template)) {
      at = template.indexOf('{{', TOKEN_AT.lastIndex);
    } else if (template[at + 2] === '{') {
      at += 1; // `{{{host}}}`: the placeholder starts one brace later
    } else {
      problems.push(`unbalanced placeholder at ${snippet(template, at)}: write {{name}}`);
      at = template.indexOf('{{', at + 2);
    }
  }
  const withoutTokens = template.replace(TOKEN, (whole) => '\u0000'.repeat(whole.length));
  for (const match of withoutTokens.matchAll(HALF_OPEN))
    problems.push(`unbalanced placeholder at ${snippet(template, match.index)}: write {{name}}`);
  for (const name of unknownPlaceholders(template))
    problems.push(`unknown placeholder {{${name}}}; known: ${PLACEHOLDERS.join(', ')}`);
  return problems;
}

function snippet(text: string, at: number): string {
  const part = text.slice(at, at + SNIPPET_CHARS);
  return `character ${at + 1} ("${part}${text.length > at + SNIPPET_CHARS ? '…' : ''}")`;
}

/** True when the rendered value would hold a secret, so it must be stored encrypted. */
export function isSecretTemplate(template: string): boolean {
  return placeholdersOf(template).some((name) => SECRET_PLACEHOLDERS.has(name as Placeholder));
}

export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(TOKEN, (_whole, name: string) => values[name as Placeholder] ?? '');
}
