// The API's dependencies on AWS, built lazily from the environment the construct sets: nothing
// is read or constructed while the module loads, and each client only when a request needs it.
// TODO(merge): move to functions/wiring/aws.ts next to the other functions' AWS wiring.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { LambdaProbeInvoker } from '../../adapters/aws/lambda-probe-invoker';
import { SfnRotationStarter } from '../../adapters/aws/sfn-rotation-starter';
import { apiInventorySchema, fieldErrors, type ApiInventory } from '../../core/api-schemas';
import { RedisHaError } from '../../core/errors';
import type { StateStore } from '../../core/ports';
import type { ApiDeps, ApiLogger } from './api';
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

type Env = Readonly<Record<string, string | undefined>>;

export function awsDeps(logger: ApiLogger, env: Env = process.env): ApiDeps {
  const dynamo = once(() => new DynamoDBClient({}));
  const inventory = once(() => readInventory(env));
  const state = once((): StateStore => unwiredStateStore(required(env, ApiEnv.stateTable)));
  const starter = once(
    () =>
      new SfnRotationStarter({
        stateMachineArn: required(env, ApiEnv.stateMachine),
        client: new SFNClient({}),
      }),
  );
  const prober = once(
    () =>
      new LambdaProbeInvoker({
        functionName: required(env, ApiEnv.probeFunction),
        client: new LambdaClient({}),
      }),
  );
  const idempotencyStore = once(
    () =>
      new DynamoDBPersistenceLayer({
        tableName: required(env, ApiEnv.idempotencyTable),
        awsSdkV3Client: dynamo(),
      }),
  );
  return {
    get inventory() {
      return inventory();
    },
    get state() {
      return state();
    },
    get starter() {
      return starter();
    },
    get prober() {
      return prober();
    },
    get idempotencyStore() {
      return idempotencyStore();
    },
    clock: { now: () => new Date() },
    newRotationId: () => randomUUID(),
    logger,
  };
}

/** The cluster names of the inventory, inline (REDIS_HA_INVENTORY) or in a file of a layer. */
export function readInventory(env: Env): ApiInventory {
  const inline = env[ApiEnv.inventory];
  const file = env[ApiEnv.inventoryFile];
  const where = inline ? ApiEnv.inventory : file;
  if (!where)
    throw new RedisHaError(
      'MISSING_CONFIGURATION',
      `neither ${ApiEnv.inventory} nor ${ApiEnv.inventoryFile} is set`,
    );
  return parseApiInventory(inline ?? readFileSync(file as string, 'utf8'), where);
}

/** The cluster names of an inventory's JSON; a problem names the field. */
export function parseApiInventory(text: string, where: string): ApiInventory {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RedisHaError('BAD_INVENTORY', `${where}: not JSON (${(error as Error).message})`);
  }
  const result = apiInventorySchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = fieldErrors(result.error.issues).map((e) => `${e.path}: ${e.message}`);
  throw new RedisHaError('BAD_INVENTORY', `${where}: ${problems.join('; ')}`);
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new RedisHaError('MISSING_CONFIGURATION', `${name} is not set`);
  return value;
}

function once<T>(build: () => T): () => T {
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
