// Keeps passwords out of what a failing test prints: a leak check that names the secret but
// never shows it, and a fingerprint that stands in for a secret in compared snapshots. Nothing
// here may ever put a secret's value into an error message.
import { createHash } from 'node:crypto';
import type { StoredParameter } from '../../functions/core/ports';

/**
 * Fails with "secret <name> found in output #<i>" (every such finding, one a line) when any
 * of `texts` contains any of `secrets`, without printing the secret or the text, which
 * `expect(text).not.toContain(secret)` would both print. `secrets` maps a name the reader can
 * act on (e.g. "old password") to the value. An empty secret is refused: every text contains it.
 */
export function expectNoSecret(
  texts: readonly string[],
  secrets: Readonly<Record<string, string>>,
): void {
  const findings: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    if (secret === '') throw new Error(`secret ${name} is empty: there is nothing to look for`);
    texts.forEach((text, i) => {
      if (text.includes(secret)) findings.push(`secret ${name} found in output #${i}`);
    });
  }
  if (findings.length > 0) throw new Error(findings.join('\n'));
}

/**
 * A short sha256 prefix of a secret (`sha256:0123456789ab`): equal secrets give equal
 * fingerprints, so a snapshot compared with `toBe`/`toEqual` still shows any change, but a
 * failing comparison prints no password.
 */
export function fingerprint(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}

/** The parameter with its value replaced by its fingerprint when it is secure. */
export function withoutSecureValue(parameter: StoredParameter): StoredParameter {
  return parameter.isSecure ? { ...parameter, value: fingerprint(parameter.value) } : parameter;
}
