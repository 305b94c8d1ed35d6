// The API's middy stack: Powertools Logger with the Lambda context and API Gateway's request id
// as correlation id on every line (per-request keys such as `cluster` are reset after each
// request). The handler answers every error itself, so no error middleware is needed.
import type { Logger } from '@aws-lambda-powertools/logger';
import { correlationPaths, search } from '@aws-lambda-powertools/logger/correlationId';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ApiHandler, ApiLogger } from './api';

/** The search function Logger needs to read `correlationIdPath` from the event. */
export const correlationIdSearchFn = search;

export function withApiMiddleware(handler: ApiHandler, logger: Logger) {
  return middy(handler).use(
    injectLambdaContext(logger, {
      correlationIdPath: correlationPaths.API_GATEWAY_HTTP,
      resetKeys: true,
    }),
  );
}

/** The API's logger port on a Powertools Logger. */
export function apiLogger(logger: Logger): ApiLogger {
  return {
    info: (message, fields) => (fields ? logger.info(message, fields) : logger.info(message)),
    warn: (message, fields) => (fields ? logger.warn(message, fields) : logger.warn(message)),
    error: (message, fields) => (fields ? logger.error(message, fields) : logger.error(message)),
    appendKeys: (attributes) => logger.appendKeys(attributes),
  };
}
