// The Idempotency table (Powertools' DynamoDB persistence layer), loaded on the first request
// that carries an Idempotency-Key.
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { dynamoDbClient } from './aws-dynamodb';
import { ApiEnv, required, type Env } from './aws-env';

export function idempotencyStore(env: Env): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({
    tableName: required(env, ApiEnv.idempotencyTable),
    awsSdkV3Client: dynamoDbClient(),
  });
}
