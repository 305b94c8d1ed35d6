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
