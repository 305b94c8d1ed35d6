// Entry of the API Lambda (HTTP API, IAM auth, payload 2.0): the request handling of api.ts with
// the AWS ports, in the middy stack of middleware.ts. Nothing is built until a request needs it.
import { Logger } from '@aws-lambda-powertools/logger';
import { createApiHandler } from './api';
import { awsDeps } from './aws-deps';
import { apiLogger, withApiMiddleware } from './middleware';

const logger = new Logger({ serviceName: 'redis-ha-api' });

export const handler = withApiMiddleware(createApiHandler(awsDeps(apiLogger(logger))), logger);
