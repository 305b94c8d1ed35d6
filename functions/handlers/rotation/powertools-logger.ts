// The control plane's Logger port on a Powertools Logger (JSON lines with the keys the middy
// stack appended: cluster, correlation id). The core hands it no secret (functions/core/ports.ts).
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Logger } from '../../core/ports';

export function loggerPort(logger: PowertoolsLogger): Logger {
  return {
    info: (message, fields) => (fields ? logger.info(message, fields) : logger.info(message)),
    warn: (message, fields) => (fields ? logger.warn(message, fields) : logger.warn(message)),
    error: (message, fields) => (fields ? logger.error(message, fields) : logger.error(message)),
  };
}
