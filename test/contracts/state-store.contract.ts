// What every StateStore adapter (local SQLite, DynamoDB) must do: conditional state and rotation
// writes that report a lost race instead of overwriting, event claims (once normally, again after
// a crash), rotation leases owned by the rotation id, validated rotation records, and a journal.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterState } from '../../functions/core/cluster-state';
import { StateConflictError } from '../../functions/core/errors';
import type { JournalEntry, StateStore } from '../../functions/core/ports';
import type { RotationPhase, RotationRecord } from '../../functions/core/rotation';

export interface StateStoreFixture {
  readonly store: StateStore;
  /** Writes `value` as the cluster's latest rotation record, bypassing every check. */
  writeRawRotation(cluster: string, rotationId: string, value: unknown): Promise<void>;
  cleanup(): Promise<void>;
}

const T0 = new Date('2026-11-25T06:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

export function contractState(cluster: string, revision: number): ClusterState {
  return {
    cluster,
    revision,
    master: { host: '10.0.0.1', port: 6379 },
    configEpoch: revision,
    status: 'degraded',
    reasonCodes: ['REPLICA_DOWN'],
    pendingHealth: { status: 'ok', reasonCodes: [], since: T0.toISOString(), probes: 1 },
    disagreement: null,
    parametersDigest: `digest-${revision}`,
    updatedAt: at(revision).toISOString(),
  };
}

export function contractRotation(
  cluster: string,
  rotationId: string,
  phase: RotationPhase,
  extra: Partial<RotationRecord> = {},
): RotationRecord {
  return {
    rotationId,
    cluster,
    phase,
    actor: 'contract',
    startedAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    gracePeriodMs: 60_000,
    graceEndsAt: null,
    isForced: false,
    nodes: ['10.0.0.1:6379', '10.0.0.2:6379'],
    sentinels: ['10.0.0.1:26379'],
    error: null,
    completedAt: null,
    ...extra,
  };
}

function entry(cluster: string, rotationId: string, step: string, atMs: number): JournalEntry {
  return {
    rotationId,
    cluster,
    at: at(atMs).toISOString(),
    step,
    outcome: 'done',
    actor: 'contract',
    detail: `${step} of ${rotationId}`,
  };
}

export function stateStoreContract(
  name: string,
  makeStore: () => Promise<StateStoreFixture>,
): void {
  describe(`StateStore contract: ${name}`, () => {
    let fixture: StateStoreFixture;
    let store: StateStore;
    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(() => fixture.cleanup());

    describe('cluster state', () => {
      it('reads nothing for a cluster never committed', async () => {
        expect(await store.getClusterState('orders')).toBeUndefined();
        expect(await store.listClusterStates()).toEqual([]);
      });

      it('commits a first state only while nothing is stored', async () => {
        await store.putClusterState(contractState('orders', 1), null);

        await expect(
          store.putClusterState({ ...contractState('orders', 1), configEpoch: 99 }, null),
        ).rejects.toBeInstanceOf(StateConflictError);
        expect(await store.getClusterState('orders')).toEqual(contractState('orders', 1));
      });

      it('commits the next state only against the revision it read', async () => {
        await store.putClusterState(contractState('orders', 1), null);
        await store.putClusterState(contractState('orders', 2), 1);

        await expect(store.putClusterState(contractState('orders', 3), 1)).rejects.toMatchObject({
          code: 'STATE_CONFLICT',
        });
        expect((await store.getClusterState('orders'))?.revision).toBe(2);

        await store.putClusterState(contractState('orders', 3), 2);
        expect(await store.getClusterState('orders')).toEqual(contractState('orders', 3));
      });

      it('lists every cluster state sorted by cluster name', async () => {
        for (const c of ['sessions', 'carts', 'orders']) {
          await store.putClusterState(contractState(c, 1), null);
        }
        await store.putClusterState({ ...contractState('carts', 2), master: null }, 1);

        const states = await store.listClusterStates();

        expect(states.map((s) => s.cluster)).toEqual(['carts', 'orders', 'sessions']);
        expect(states[0]).toEqual({ ...contractState('carts', 2), master: null });
      });
    });

    describe('event claims', () => {
      it('claims an event once, is busy while claimed, and published once marked', async () => {
        expect(await store.claimEvent('e1', 'run-a', 30_000, T0)).toBe('claimed');
        expect(await store.claimEvent('e1', 'run-b', 30_000, at(1_000))).toBe('busy');

        await store.markEventPublished('e1', 'run-a', at(2_000));

        expect(await store.claimEvent('e1', 'run-b', 30_000, at(3_000))).toBe('published');
        expect(await store.claimEvent('e1', 'run-c', 30_000, at(3_600_000))).toBe('published');
        expect(await store.claimEvent('e2', 'run-b', 30_000, at(3_000))).toBe('claimed');
      });

      it('lets a later run claim an event whose claimant died before publishing', async () => {
        expect(await store.claimEvent('e1', 'run-a', 30_000, T0)).toBe('claimed');

        expect(await store.claimEvent('e1', 'run-b', 30_000, at(30_001))).toBe('claimed');
        expect(await store.claimEvent('e1', 'run-c', 30_000, at(40_000))).toBe('busy');
      });

      it('lets the claimant claim its own event again (a retry within the same run)', async () => {
        expect(await store.claimEvent('e1', 'run-a', 30_000, T0)).toBe('claimed');

        expect(await store.claimEvent('e1', 'run-a', 30_000, at(1_000))).toBe('claimed');
        expect(await store.claimEvent('e1', 'run-b', 30_000, at(30_500))).toBe('busy');
      });
    });

    describe('rotation lock', () => {
      const claimA = { owner: 'rot-1', holder: 'host-a:1:x' };

      it('takes a free lock and shows its owner, holder and lease', async () => {
        expect(await store.getLock('orders')).toBeUndefined();

        expect(await store.acquireLock('orders', claimA, 60_000, T0)).toBe(true);

        expect(await store.getLock('orders')).toEqual({
          cluster: 'orders',
          owner: 'rot-1',
          holder: 'host-a:1:x',
          expiresAt: at(60_000).toISOString(),
        });
      });

      it('refuses another owner, or the same owner from another holder, while held', async () => {
        await store.acquireLock('orders', claimA, 60_000, T0);

        expect(
          await store.acquireLock('orders', { owner: 'rot-2', holder: 'host-b' }, 60_000, at(1)),
        ).toBe(false);
        expect(
          await store.acquireLock('orders', { owner: 'rot-1', holder: 'host-b' }, 60_000, at(1)),
        ).toBe(false);
        expect((await store.getLock('orders'))?.holder).toBe('host-a:1:x');
        expect(await store.acquireLock('carts', { owner: 'rot-2', holder: 'b' }, 60_000, T0)).toBe(
          true,
        );
      });

      it('renews the lease for the same owner and holder', async () => {
        await store.acquireLock('orders', claimA, 60_000, T0);

        expect(await store.acquireLock('orders', claimA, 60_000, at(50_000))).toBe(true);

        expect((await store.getLock('orders'))?.expiresAt).toBe(at(110_000).toISOString());
        expect(
          await store.acquireLock('orders', { owner: 'rot-2', holder: 'b' }, 60_000, at(70_000)),
        ).toBe(false);
      });

      it('lets anyone take a lock whose lease has expired', async () => {
        await store.acquireLock('orders', claimA, 60_000, T0);

        const next = { owner: 'rot-2', holder: 'host-b' };
        expect(await store.acquireLock('orders', next, 60_000, at(60_001))).toBe(true);

        expect(await store.getLock('orders')).toMatchObject({ owner: 'rot-2', holder: 'host-b' });
      });

      it('releases only for its owner (and holder, when given)', async () => {
        await store.acquireLock('orders', claimA, 60_000, T0);

        await store.releaseLock('orders', 'rot-2');
        await store.releaseLock('orders', 'rot-1', 'host-b');
        expect((await store.getLock('orders'))?.owner).toBe('rot-1');

        await store.releaseLock('orders', 'rot-1', 'host-a:1:x');
        expect(await store.getLock('orders')).toBeUndefined();

        await store.acquireLock('orders', claimA, 60_000, T0);
        await store.releaseLock('orders', 'rot-1');
        expect(await store.getLock('orders')).toBeUndefined();
        await store.releaseLock('orders', 'rot-1');
      });
    });

    describe('rotation records', () => {
      it('reads nothing before the first rotation', async () => {
        expect(await store.getRotation('orders')).toBeUndefined();
        expect(await store.getRotation('orders', 'rot-1')).toBeUndefined();
      });

      it('begins a rotation only when none is running', async () => {
        await store.putRotation(contractRotation('orders', 'rot-1', 'started'), null);

        await expect(
          store.putRotation(contractRotation('orders', 'rot-2', 'started'), null),
        ).rejects.toBeInstanceOf(StateConflictError);
        expect((await store.getRotation('orders'))?.rotationId).toBe('rot-1');
        await store.putRotation(contractRotation('carts', 'rot-2', 'started'), null);
      });

      it('moves a rotation on only from the phase the caller read', async () => {
        await store.putRotation(contractRotation('orders', 'rot-1', 'started'), null);
        await store.putRotation(contractRotation('orders', 'rot-1', 'pending-stored'), 'started');

        await expect(
          store.putRotation(contractRotation('orders', 'rot-1', 'nodes-added'), 'started'),
        ).rejects.toBeInstanceOf(StateConflictError);
        await expect(
          store.putRotation(contractRotation('orders', 'rot-9', 'nodes-added'), 'pending-stored'),
        ).rejects.toBeInstanceOf(StateConflictError);
        await expect(
          store.putRotation(contractRotation('carts', 'rot-1', 'nodes-added'), 'pending-stored'),
        ).rejects.toBeInstanceOf(StateConflictError);
        expect((await store.getRotation('orders'))?.phase).toBe('pending-stored');

        const next = contractRotation('orders', 'rot-1', 'nodes-added', {
          sharedPasswordUsers: { '10.0.0.1:6379': ['app', 'ops'] },
          unpersistedNodes: ['10.0.0.2:6379'],
        });
        await store.putRotation(next, 'pending-stored');
        expect(await store.getRotation('orders')).toEqual(next);
        expect(await store.getRotation('orders', 'rot-1')).toEqual(next);
      });

      it('begins a new rotation once the latest is terminal, keeping the old one by id', async () => {
        const done = contractRotation('orders', 'rot-1', 'completed', {
          completedAt: at(5_000).toISOString(),
        });
        await store.putRotation(contractRotation('orders', 'rot-1', 'started'), null);
        await store.putRotation(done, 'started');

        await store.putRotation(contractRotation('orders', 'rot-2', 'started'), null);
        await store.putRotation(contractRotation('orders', 'rot-2', 'rolling-back'), 'started');
        await store.putRotation(contractRotation('orders', 'rot-2', 'rolled-back'), 'rolling-back');
        await store.putRotation(contractRotation('orders', 'rot-3', 'started'), null);

        expect((await store.getRotation('orders'))?.rotationId).toBe('rot-3');
        expect(await store.getRotation('orders', 'rot-1')).toEqual(done);
        expect((await store.getRotation('orders', 'rot-2'))?.phase).toBe('rolled-back');
        expect(await store.getRotation('orders', 'rot-404')).toBeUndefined();
        expect(await store.getRotation('carts', 'rot-1')).toBeUndefined();
      });

      it('refuses a stored record that is not a valid rotation record, naming the field', async () => {
        await fixture.writeRawRotation('orders', 'rot-1', {
          ...contractRotation('orders', 'rot-1', 'started'),
          phase: 'half-done',
          nodes: 'not-a-list',
        });

        const read = store.getRotation('orders');

        await expect(read).rejects.toMatchObject({ code: 'BAD_ROTATION_RECORD' });
        await expect(store.getRotation('orders')).rejects.toThrow(/phase.*nodes|nodes.*phase/s);
      });
    });

    describe('journal', () => {
      it('reads entries oldest first, the last `limit` of them', async () => {
        const steps = ['lock', 'generate', 'add', 'sentinels', 'verify', 'publish'];
        // Same timestamp for all: the order is the order of appends.
        for (const step of steps) await store.appendJournal(entry('orders', 'rot-1', step, 0));

        expect((await store.readJournal({ cluster: 'orders' })).map((e) => e.step)).toEqual(steps);
        expect((await store.readJournal({ cluster: 'orders' }, 2)).map((e) => e.step)).toEqual([
          'verify',
          'publish',
        ]);
        expect(await store.readJournal({ cluster: 'orders' })).toContainEqual(
          entry('orders', 'rot-1', 'add', 0),
        );
      });

      it('filters by cluster, by rotation, or reads every cluster in time order', async () => {
        await store.appendJournal(entry('orders', 'rot-1', 'lock', 1));
        await store.appendJournal(entry('carts', 'rot-2', 'lock', 2));
        await store.appendJournal(entry('orders', 'rot-1', 'done', 3));
        await store.appendJournal(entry('orders', 'rot-3', 'lock', 4));
        await store.appendJournal(entry('carts', 'rot-2', 'done', 5));

        const steps = (entries: JournalEntry[]) => entries.map((e) => `${e.rotationId}:${e.step}`);
        expect(steps(await store.readJournal({ cluster: 'carts' }))).toEqual([
          'rot-2:lock',
          'rot-2:done',
        ]);
        expect(steps(await store.readJournal({ rotationId: 'rot-1' }))).toEqual([
          'rot-1:lock',
          'rot-1:done',
        ]);
        expect(steps(await store.readJournal({ cluster: 'orders', rotationId: 'rot-3' }))).toEqual([
          'rot-3:lock',
        ]);
        expect(steps(await store.readJournal({ rotationId: 'rot-1' }, 1))).toEqual(['rot-1:done']);
        expect(steps(await store.readJournal())).toEqual([
          'rot-1:lock',
          'rot-2:lock',
          'rot-1:done',
          'rot-3:lock',
          'rot-2:done',
        ]);
        expect(steps(await store.readJournal({}, 2))).toEqual(['rot-3:lock', 'rot-2:done']);
        expect(await store.readJournal({ cluster: 'nobody' })).toEqual([]);
      });
    });
  });
}
