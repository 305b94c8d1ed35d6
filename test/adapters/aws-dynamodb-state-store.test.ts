// DynamoDbStateStore beyond the contract, on dynalite (a real conditional-write engine): the
// documented item keys, TTL for clean-up only, concurrent writers (one wins, the rest are told),
// a by-id rotation copy lost in a crash, paging of filtered journal reads, and failures named.
import { DynamoDBDocumentClient, DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoDbStateStore,
  STATE_TABLE_KEYS,
  stateTableDefinition,
} from '../../functions/adapters/aws/dynamodb-state-store';
import { StateConflictError } from '../../functions/core/errors';
import { Dynalite } from '../support/dynalite';
import { contractRotation, contractState } from '../contracts/state-store.contract';

const T0 = new Date('2026-11-25T06:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

let dynalite: Dynalite;
beforeAll(async () => {
  dynalite = await Dynalite.start();
});
afterAll(() => dynalite.stop());

async function fresh(options: { eventClaimRetentionMs?: number } = {}) {
  const tableName = await dynalite.createStateTable();
  const store = new DynamoDbStateStore({ tableName, client: dynalite.clientOptions(), ...options });
  const doc = DynamoDBDocumentClient.from(dynalite.client);
  const items = async () =>
    ((await doc.send(new ScanCommand({ TableName: tableName }))).Items ?? []) as Record<
      string,
      unknown
    >[];
  return { tableName, store, doc, items };
}

describe('DynamoDbStateStore on dynalite', () => {
  it('creates its table from the exported key names', () => {
    expect(stateTableDefinition('t')).toMatchObject({
      TableName: 't',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: STATE_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: STATE_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
    });
  });

  it('keeps every kind of item under the documented keys', async () => {
    const { store, items } = await fresh();
    await store.putClusterState(contractState('orders', 1), null);
    await store.claimEvent('e1', 'run', 30_000, T0);
    await store.acquireLock('orders', { owner: 'rot-1', holder: 'h' }, 60_000, T0);
    await store.putRotation(contractRotation('orders', 'rot-1', 'started'), null);
    await store.appendJournal({
      rotationId: 'rot-1',
      cluster: 'orders',
      at: T0.toISOString(),
      step: 'lock',
      outcome: 'done',
      actor: 'test',
      detail: '',
    });

    const keys = (await items()).map((item) => `${String(item.pk)} | ${String(item.sk)}`).sort();

    expect(keys).toEqual([
      'cluster#orders | journal#000000000001',
      'cluster#orders | lock',
      'cluster#orders | rotation#id#rot-1',
      'cluster#orders | rotation#latest',
      'cluster-states | orders',
      'event#e1 | claim',
      'journals | orders',
    ]);
  });

  it('sets the TTL attribute (epoch seconds) on event claims only', async () => {
    const { store, items } = await fresh({ eventClaimRetentionMs: 86_400_000 });
    await store.claimEvent('e1', 'run', 30_000, T0);
    await store.markEventPublished('e1', 'run', at(5_000));
    await store.putClusterState(contractState('orders', 1), null);

    const withTtl = (await items()).filter((i) => STATE_TABLE_KEYS.timeToLiveAttribute in i);

    expect(withTtl.map((i) => i.pk)).toEqual(['event#e1']);
    expect(withTtl[0]?.[STATE_TABLE_KEYS.timeToLiveAttribute]).toBe(
      Math.floor((T0.getTime() + 5_000 + 86_400_000) / 1000),
    );
  });

  it('treats a claim past its retention as absent, as TTL deletes only eventually', async () => {
    const { store } = await fresh({ eventClaimRetentionMs: 60_000 });
    await store.claimEvent('e1', 'run-a', 30_000, T0);
    await store.markEventPublished('e1', 'run-a', T0);

    expect(await store.claimEvent('e1', 'run-b', 30_000, at(30_000))).toBe('published');
    expect(await store.claimEvent('e1', 'run-b', 30_000, at(61_000))).toBe('claimed');
  });

  it('lets exactly one of many concurrent writers win each race', async () => {
    const { store } = await fresh();
    await store.putClusterState(contractState('orders', 1), null);
    const runs = Array.from({ length: 6 }, (_, i) => `run-${i}`);

    const states = await Promise.allSettled(
      runs.map((_, i) =>
        store.putClusterState({ ...contractState('orders', 2), configEpoch: i }, 1),
      ),
    );
    const locks = await Promise.all(
      runs.map((run) => store.acquireLock('orders', { owner: run, holder: run }, 60_000, T0)),
    );
    const claims = await Promise.all(runs.map((run) => store.claimEvent('e', run, 30_000, T0)));
    const rotations = await Promise.allSettled(
      runs.map((run) => store.putRotation(contractRotation('orders', run, 'started'), null)),
    );

    expect(states.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    for (const lost of states.filter((s) => s.status === 'rejected')) {
      expect(lost.reason).toBeInstanceOf(StateConflictError);
    }
    expect(locks.filter(Boolean)).toHaveLength(1);
    expect(claims.filter((c) => c === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c === 'busy')).toHaveLength(5);
    expect(rotations.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('rebuilds a by-id rotation copy lost in a crash when the next rotation begins', async () => {
    const { store, doc, tableName } = await fresh();
    const done = contractRotation('orders', 'rot-1', 'completed', {
      completedAt: T0.toISOString(),
    });
    await store.putRotation(contractRotation('orders', 'rot-1', 'started'), null);
    await store.putRotation(done, 'started');
    // A crash between the latest write and its copy: the copy still says `started`, or is gone.
    await doc.send(
      new DeleteCommand({
        TableName: tableName,
        Key: { pk: 'cluster#orders', sk: 'rotation#id#rot-1' },
      }),
    );

    expect(await store.getRotation('orders', 'rot-1')).toEqual(done);
    await store.putRotation(contractRotation('orders', 'rot-2', 'started'), null);

    expect(await store.getRotation('orders', 'rot-1')).toEqual(done);
    expect((await store.getRotation('orders'))?.rotationId).toBe('rot-2');
  });

  it('pages through a filtered journal until it has the last `limit` matches', async () => {
    const { store } = await fresh();
    for (let i = 0; i < 30; i++) {
      await store.appendJournal({
        rotationId: i % 3 === 0 ? 'rot-a' : 'rot-b',
        cluster: 'orders',
        at: at(i).toISOString(),
        step: `step-${i}`,
        outcome: 'done',
        actor: 'test',
        detail: '',
      });
    }

    const last = await store.readJournal({ cluster: 'orders', rotationId: 'rot-a' }, 4);

    expect(last.map((e) => e.step)).toEqual(['step-18', 'step-21', 'step-24', 'step-27']);
    expect(await store.readJournal({ cluster: 'orders' }, 0)).toEqual([]);
  });

  it('names the table and the service error when a call fails', async () => {
    const store = new DynamoDbStateStore({
      tableName: 'no-such-table',
      client: dynalite.clientOptions(),
    });

    await expect(store.getClusterState('orders')).rejects.toMatchObject({
      code: 'AWS_DYNAMODB_FAILED',
      errorName: 'ResourceNotFoundException',
      message: expect.stringContaining('no-such-table'),
    });
  });
});
