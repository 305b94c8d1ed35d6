// The local backend's contract: versioned parameters with secure values sealed at rest, a
// private file, conditional rotation leases, and an event log that dedupes by id.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../functions/adapters/local/local-database';
import { buildEvent } from '../../functions/core/events';
import { Harness } from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());
const SECRET = 'Local-Secret-7c6b5a4d3e2f1a0b';

describe('local backend', () => {
  it('versions parameters and returns the newest value', async () => {
    const { parameters } = harness.backend();

    expect(await parameters.put('/a/b', 'one', { isSecure: false })).toBe(1);
    expect(await parameters.put('/a/b', 'two', { isSecure: false })).toBe(2);
    expect(await parameters.get('/a/b')).toMatchObject({
      value: 'two',
      version: 2,
      isSecure: false,
    });
    expect(await parameters.get('/a/missing')).toBeUndefined();
    expect((await parameters.list('/a/')).map((p) => p.name)).toEqual(['/a/b']);
  });

  it('keeps secure values encrypted at rest in a file only its owner can read', async () => {
    const dir = harness.tempDir();
    const backend = harness.backend(dir);
    await backend.parameters.put('/redis/password', SECRET, { isSecure: true });
    backend.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const store = join(dir, 'store');

    expect((await backend.parameters.get('/redis/password'))?.value).toBe(SECRET);
    for (const file of readdirSync(store)) {
      expect(readFileSync(join(store, file)).includes(SECRET), file).toBe(false);
    }
    expect(statSync(join(store, DATABASE_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(store).mode & 0o777).toBe(0o700);
  });

  it('grants a rotation lease to one owner at a time until it is released or expires', async () => {
    const { state } = harness.backend();
    const now = new Date('2026-11-23T10:00:00Z');

    expect(await state.acquireLock('c', 'a', 60_000, now)).toBe(true);
    expect(await state.acquireLock('c', 'b', 60_000, now)).toBe(false);
    expect(await state.acquireLock('c', 'b', 60_000, new Date(now.getTime() + 61_000))).toBe(true);
    await state.releaseLock('c', 'a');
    expect((await state.getLock('c'))?.owner).toBe('b');
    await state.releaseLock('c', 'b');
    expect(await state.acquireLock('c', 'a', 60_000, now)).toBe(true);
  });

  it('logs an event once per id and counts repeated deliveries', async () => {
    const { events } = harness.backend();
    const event = buildEvent({
      source: 's',
      type: 'redis-ha.master.changed',
      cluster: 'c',
      cause: 'x',
      severity: 'warning',
      time: new Date(),
      data: {},
    });

    await events.publish(event);
    await events.publish(event);

    expect(events.list()).toEqual([expect.objectContaining({ deliveries: 2, event })]);
  });
});
