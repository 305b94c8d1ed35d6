// The API's ports on AWS: SDK clients and adapters, constructed from the environment. Loaded by
// aws-deps.ts with a dynamic import on the first request that needs one, so the SDK is not
// evaluated during the cold start's module init (and can live in its own chunk).
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { LambdaProbeInvoker } from '../../adapters/aws/lambda-probe-invoker';
import { SfnRotationStarter } from '../../adapters/aws/sfn-rotation-starter';
import { RedisHaError } from '../../core/errors';
import type { StateStore } from '../../core/ports';
// TODO(merge h-aws): the DynamoDB StateStore is written on branch h-aws; once merged, replace
// `unwiredStateStore` below by
//   import { DynamoDbStateStore } from '../../adapters/aws/dynamodb-state-store';
//   new DynamoDbStateStore({ tableName: required(env, ApiEnv.stateTable), client: dynamo() })

/** The environment variables the API reads (set by lib/redis-ha-control-plane.ts). */
export const ApiEnv = {
  stateTable: 'STATE_TABLE_NAME',
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  stateMachine: 'STATE_MACHINE_ARN',
  probeFunction: 'PROBE_FUNCTION_NAME',
  inventory: 'REDIS_HA_INVENTORY',
  inventoryFile: 'REDIS_HA_INVENTORY_FILE',
} as const;

export type Env = Readonly<Record<string, string | undefined>>;

/** Each port built once, on first use; one DynamoDB client for state and idempotency. */
export function awsPorts(env: Env) {
  const dynamo = once(() => new DynamoDBClient({}));
  return {
    state: once((): StateStore => unwiredStateStore(required(env, ApiEnv.stateTable))),
    starter: once(
      () =>
        new SfnRotationStarter({
          stateMachineArn: required(env, ApiEnv.stateMachine),
          client: new SFNClient({}),
        }),
    ),
    prober: once(
      () =>
        new LambdaProbeInvoker({
          functionName: required(env, ApiEnv.probeFunction),
          client: new LambdaClient({}),
        }),
    ),
    idempotencyStore: once(
      () =>
        new DynamoDBPersistenceLayer({
          tableName: required(env, ApiEnv.idempotencyTable),
          awsSdkV3Client: dynamo(),
        }),
    ),
  };
}

export function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new RedisHaError('MISSING_CONFIGURATION', `${name} is not set`);
  return value;
}

export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/** Stands in for the DynamoDB StateStore until branch h-aws is merged (see the TODO above). */
function unwiredStateStore(tableName: string): StateStore {
  throw new RedisHaError(
    'NOT_WIRED',
    `the DynamoDB state store (table ${tableName}) is not wired yet: merge branch h-aws`,
  );
}
