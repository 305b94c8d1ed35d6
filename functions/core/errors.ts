// Error classes with a stable `code`; messages never hold a secret.

export class RedisHaError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RedisHaError';
  }
}

/**
 * Replaces every occurrence of each secret by `***`: for server error texts that echo input.
 * Also the forms a secret takes on the wire, since a service may echo those: percent-encoded
 * (AWS Query APIs send form-encoded bodies, the SDK also encoding `! ' ( ) *`) and XML-escaped
 * (their error answers are XML).
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) if (secret) for (const form of wireForms(secret)) forms.add(form);
  let out = text;
  // Longest first: a secret may be the start of one of its own encoded forms.
  for (const form of [...forms].sort((a, b) => b.length - a.length))
    out = out.split(form).join('***');
  return out;
}

/** `secret` as it is, percent-encoded (plain and as the SDK's Query protocol does) and XML-escaped. */
function wireForms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  const queryEncoded = encoded.replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return [secret, encoded, queryEncoded, xmlEscaped(secret), xmlEscaped(encoded)];
}

function xmlEscaped(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Raised by `RedisGateway.run` when a command fails; `failure` tells auth problems from dead nodes. */
export class GatewayError extends RedisHaError {
  constructor(
    readonly failure: 'unreachable' | 'timeout' | 'auth-failed' | 'tls-failed' | 'error',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`REDIS_${failure.toUpperCase().replace('-', '_')}`, message, options);
  }
}

/**
 * A conditional write lost a race: another run committed first (state revision, rotation phase).
 * Nothing was written; the caller re-reads and decides again, or leaves it to the next run.
 */
export class StateConflictError extends RedisHaError {
  constructor(message: string) {
    super('STATE_CONFLICT', message);
    this.name = 'StateConflictError';
  }
}
