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
