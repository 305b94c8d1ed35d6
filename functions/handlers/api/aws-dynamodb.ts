// The API's DynamoDB client and StateStore, loaded on the first request that reads state. One
// client serves the state table and the Idempotency table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../../adapters/aws/dynamodb-state-store';
import type { StateStore } from '../../core/ports';
import { ApiEnv, once, required, type Env } from './aws-env';

export const dynamoDbClient = once(() => new DynamoDBClient({}));

export function dynamoDbStateStore(env: Env): StateStore {
  return new DynamoDbStateStore({
    tableName: required(env, ApiEnv.stateTable),
    dynamodb: dynamoDbClient(),
  });
}
