// The API's middy stack: Powertools Logger with the Lambda context, and API Gateway's request id
// as correlation id on every line; per-request keys (correlation id, `cluster`) are reset after
// each request. The handler answers every error itself, so no error middleware is needed.
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ApiHandler, ApiLogger } from './api';
import type { ApiEvent } from './http';

export function withApiMiddleware(handler: ApiHandler, logger: Logger) {
  return middy(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      // Set directly rather than with `correlationIdPath`: a path needs Logger's JMESPath search
      // function, about 23 KB more to load at every cold start for one fixed field.
      before: (request: { event: ApiEvent }) => {
        logger.setCorrelationId(request.event.requestContext.requestId);
      },
    });
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
