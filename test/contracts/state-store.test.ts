// The StateStore contract against every adapter: DynamoDB through the real SDK client against
// dynalite (a real conditional-write engine), one fresh table per test.
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { DynamoDbStateStore } from '../../functions/adapters/aws/dynamodb-state-store';
import { Dynalite } from '../support/dynalite';
import { stateStoreContract } from './state-store.contract';

let dynalite: Dynalite;
beforeAll(async () => {
  dynalite = await Dynalite.start();
});
afterAll(() => dynalite.stop());

stateStoreContract('DynamoDbStateStore', async () => {
  const tableName = await dynalite.createStateTable();
  const store = new DynamoDbStateStore({ tableName, client: dynalite.clientOptions() });
  const doc = DynamoDBDocumentClient.from(dynalite.client);
  return {
    store,
    writeRawRotation: async (cluster, rotationId, value) => {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: `cluster#${cluster}`,
            sk: 'rotation#latest',
            rotationId,
            phase: 'started',
            seq: 1,
            record: value,
          },
        }),
      );
    },
    cleanup: async () => {},
  };
});
