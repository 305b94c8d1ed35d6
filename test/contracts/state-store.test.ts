// The StateStore contract against every adapter: local SQLite in a temp folder, and DynamoDB
// through the real SDK client against dynalite (a real conditional-write engine), one fresh
// table per test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { DynamoDbStateStore } from '../../functions/adapters/aws/dynamodb-state-store';
import { openLocalBackend } from '../../functions/adapters/local/local-backend';
import { Dynalite } from '../support/dynalite';
import { stateStoreContract } from './state-store.contract';

stateStoreContract('SqliteStateStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ha-contract-'));
  const backend = openLocalBackend(join(dir, 'store'), { envKey: undefined });
  return {
    store: backend.state,
    writeRawRotation: async (cluster, rotationId, value) => {
      backend.db
        .prepare('INSERT INTO rotation_records (rotation_id, cluster, record) VALUES (?, ?, ?)')
        .run(rotationId, cluster, JSON.stringify(value));
    },
    cleanup: async () => {
      backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

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
