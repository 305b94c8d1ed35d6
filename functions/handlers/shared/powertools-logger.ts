// Our Logger port on a Powertools Logger: JSON lines with the Lambda context and the run's
// correlation id. Control code never hands a logger a secret; as a second fence, a field whose
// name says it holds one (password, secret, token) is masked before it is written.
import type { Logger as Powertools } from '@aws-lambda-powertools/logger';
import type { Logger } from '../../core/ports';

const SECRET_FIELD = /password|secret|token|credential/i;

/** A Logger whose lines carry a correlation id, set once per invocation. */
export interface CorrelatedLogger extends Logger {
  /** Every line from now on carries `correlation_id: id` (Powertools' key). */
  setCorrelationId(id: string): void;
}

export class PowertoolsLoggerAdapter implements CorrelatedLogger {
  constructor(private readonly powertools: Powertools) {}

  info(message: string, fields?: Record<string, unknown>): void {
    this.powertools.info(message, maskSecrets(fields));
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.powertools.warn(message, maskSecrets(fields));
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.powertools.error(message, maskSecrets(fields));
  }

  setCorrelationId(id: string): void {
    this.powertools.setCorrelationId(id);
  }
}

/** `fields` with the value of every key that names a secret replaced by `***`. */
export function maskSecrets(fields: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields))
    out[key] = SECRET_FIELD.test(key) && value !== undefined ? '***' : value;
  return out;
}
