// The API's DynamoDB client and StateStore, loaded on the first request that reads state. One
// client serves the state table and the Idempotency table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RedisHaError } from '../../core/errors';
import type { StateStore } from '../../core/ports';
import { ApiEnv, once, required, type Env } from './aws-env';
// TODO(merge h-aws): the DynamoDB StateStore is on branch h-aws (b7005e5: its options are
// `{ tableName, dynamodb?: DynamoDBClient, client? }`); once merged, replace the body of
// `dynamoDbStateStore` by
//   import { DynamoDbStateStore } from '../../adapters/aws/dynamodb-state-store';
//   return new DynamoDbStateStore({ tableName: required(env, ApiEnv.stateTable), dynamodb: dynamoDbClient() });

export const dynamoDbClient = once(() => new DynamoDBClient({}));

export function dynamoDbStateStore(env: Env): StateStore {
  const tableName = required(env, ApiEnv.stateTable);
  throw new RedisHaError(
    'NOT_WIRED',
    `the DynamoDB state store (table ${tableName}) is not wired yet: merge branch h-aws`,
  );
}
