// Idempotency-Key for `POST /clusters/{name}/rotations` with Powertools Idempotency: the first
// request with a key starts the rotation and its result is stored (DynamoDB); a repeat with the
// same key, caller, cluster and body gets the stored result without starting anything; the same
// key with another body is refused (422). Only a started rotation is stored: a refusal (409) or a
// failure throws, Powertools deletes the in-progress record, and a retry decides afresh.
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';

/** What identifies a request for idempotency; `request` is the normalised body. */
export interface IdempotentStartPayload {
  readonly actor: string;
  readonly idempotencyKey: string;
  readonly cluster: string;
  readonly request: { readonly force: boolean; readonly gracePeriodSeconds: number | null };
}

/** The stored result of a started rotation. */
export interface StartedRotation {
  readonly rotationId: string;
  readonly executionArn: string;
}

/** Set by the wrapped function when it really ran (so the answer is not a replay). */
export interface RunMarker {
  hasRun: boolean;
}

/** How long a key is remembered: a day, like the Idempotency-Key draft's examples. */
export const IDEMPOTENCY_EXPIRES_AFTER_SECONDS = 86_400;

export interface IdempotentStart {
  readonly config: IdempotencyConfig;
  run(payload: IdempotentStartPayload, context: Context): Promise<StartedRotation & RunMarker>;
}

export function idempotentStart(
  persistenceStore: BasePersistenceLayer,
  start: (payload: IdempotentStartPayload) => Promise<StartedRotation>,
): IdempotentStart {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[actor, idempotencyKey, cluster]',
    payloadValidationJmesPath: 'request',
    expiresAfterSeconds: IDEMPOTENCY_EXPIRES_AFTER_SECONDS,
    throwOnNoIdempotencyKey: true,
  });
  const wrapped = makeIdempotent(
    async (payload: IdempotentStartPayload, marker: RunMarker): Promise<StartedRotation> => {
      marker.hasRun = true;
      const started = await start(payload);
      return { rotationId: started.rotationId, executionArn: started.executionArn };
    },
    // A fixed prefix instead of the function's name: keys survive a redeploy under a new name.
    { persistenceStore, config, keyPrefix: 'redis-ha-api.startRotation' },
  );
  return {
    config,
    async run(payload, context) {
      // In-progress records expire with the invocation, so a timed-out request can be retried.
      config.registerLambdaContext(context);
      const marker: RunMarker = { hasRun: false };
      const started = await wrapped(payload, marker);
      return { ...started, hasRun: marker.hasRun };
    },
  };
}
