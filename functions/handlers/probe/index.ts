// Entry of the probe Lambda (scheduled every minute; also invoked by the API for one cluster):
// middy with Powertools Logger (Lambda context, correlation id) and Metrics (EMF, flushed after
// each invocation). The logic is in probe-handler.ts; nothing here does I/O at module load.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { redisHaMetrics } from '../shared/metrics';
import { probeDepsFrom, type ProbeEnvironment } from './probe-deps';
import { createProbeHandler } from './probe-handler';

/**
 * middy's own abort fires this long before Lambda's timeout, a backstop behind the handler's
 * own deadline (WATCH_STOP_MARGIN_MS): by then the handler should long have returned.
 */
const MIDDY_TIMEOUT_EARLY_MS = 1000;

/** The probe function's middy stack with its own Logger and Metrics (tests build several). */
export function probeFunction(environment: ProbeEnvironment = { env: process.env }) {
  const logger = new Logger();
  const metrics = redisHaMetrics();
  return middy(createProbeHandler(probeDepsFrom(environment, { logger, metrics })), {
    timeoutEarlyInMillis: MIDDY_TIMEOUT_EARLY_MS,
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

export const handler = probeFunction();
