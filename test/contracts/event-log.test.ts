// The EventLog contract against every adapter: the local SQLite log in a temp folder, and the
// DynamoDB state table through the real SDK client against dynalite, one fresh table per test;
// then what only the DynamoDB log does: keys, retention and repair after a crash.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoDbEventLog,
  EVENT_RETENTION_MS,
  eventLogKeys,
} from '../../functions/adapters/aws/dynamodb-event-log';
import { openLocalBackend } from '../../functions/adapters/local/local-backend';
import { buildEvent, EventType } from '../../functions/core/events';
import { Dynalite } from '../support/dynalite';
import { CONTRACT_NOW, eventLogContract } from './event-log.contract';

eventLogContract('SqliteEventLog', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ha-contract-'));
  const backend = openLocalBackend(join(dir, 'store'), { envKey: undefined });
  return {
    log: backend.events,
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

const contractClock = { now: () => CONTRACT_NOW };

eventLogContract('DynamoDbEventLog', async () => {
  const tableName = await dynalite.createStateTable();
  return {
    log: new DynamoDbEventLog({
      tableName,
      client: dynalite.clientOptions(),
      clock: contractClock,
    }),
    cleanup: async () => {},
  };
});

function event(cause: string, time: Date) {
  return buildEvent({
    source: 'redis-ha/test',
    type: EventType.healthChanged,
    cluster: 'orders',
    cause,
    severity: 'critical',
    time,
    data: { status: 'critical', reasons: [{ code: 'QUORUM_LOST', target: null }] },
  });
}

describe('DynamoDbEventLog on the state table', () => {
  it('keeps an event in its month partition under its time and id, with a 30-day TTL', async () => {
    const tableName = await dynalite.createStateTable();
    const log = new DynamoDbEventLog({ tableName, client: dynalite.clientOptions() });
    const doc = DynamoDBDocumentClient.from(dynalite.client);
    const e = event('keys', new Date('2026-11-25T05:59:00.000Z'));

    await log.append(e);

    const { Item: item } = await doc.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: 'events#2026-11', sk: `2026-11-25T05:59:00.000Z#${e.id}` },
      }),
    );
    expect(item).toMatchObject({
      subject: 'orders',
      type: EventType.healthChanged,
      deliveries: 1,
      expiresAtSeconds: Math.floor((Date.parse(e.time) + EVENT_RETENTION_MS) / 1000),
    });
    expect(JSON.parse(String(item?.event))).toEqual(e);
    const { Item: marker } = await doc.send(
      new GetCommand({ TableName: tableName, Key: eventLogKeys.marker(e.id) }),
    );
    expect(marker).toMatchObject({ logPk: 'events#2026-11', logSk: item?.sk });
  });

  it('reads across a month boundary and skips events past their 30 days (TTL is lazy)', async () => {
    const tableName = await dynalite.createStateTable();
    const now = new Date('2026-12-02T00:00:00.000Z');
    const log = new DynamoDbEventLog({
      tableName,
      client: dynalite.clientOptions(),
      clock: { now: () => now },
    });
    const expired = event('old', new Date('2026-11-01T00:00:00.000Z'));
    const november = event('nov', new Date('2026-11-30T23:00:00.000Z'));
    const december = event('dec', new Date('2026-12-01T01:00:00.000Z'));

    for (const e of [expired, november, december]) await log.append(e);

    expect((await log.read({ limit: 10 })).map((r) => r.event)).toEqual([november, december]);
  });

  it('repairs an event whose log item a crash left unwritten after its marker', async () => {
    const tableName = await dynalite.createStateTable();
    const log = new DynamoDbEventLog({
      tableName,
      client: dynalite.clientOptions(),
      clock: contractClock,
    });
    const doc = DynamoDBDocumentClient.from(dynalite.client);
    const e = event('crash', new Date(CONTRACT_NOW.getTime() - 60_000));
    await log.append(e);
    await doc.send(new DeleteCommand({ TableName: tableName, Key: eventLogKeys.entry(e) }));

    await log.append(e);

    expect(await log.read({ limit: 10 })).toEqual([{ event: e, deliveries: 1 }]);
  });

  it('refuses an event whose time is not a time, naming the event', async () => {
    const tableName = await dynalite.createStateTable();
    const log = new DynamoDbEventLog({ tableName, client: dynalite.clientOptions() });
    const e = { ...event('bad', CONTRACT_NOW), time: 'yesterday' };

    await expect(log.append(e)).rejects.toThrow(`event ${e.id}: time "yesterday"`);
  });
});
