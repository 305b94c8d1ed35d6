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

/** Replaces every occurrence of each secret by `***`: for server error texts that echo input. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
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
