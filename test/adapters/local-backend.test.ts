// The local backend's contract: versioned parameters with secure values sealed at rest, a
// private file, conditional rotation leases, and an event log that dedupes by id.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalBackend } from '../../functions/adapters/local/local-backend';
import { DATABASE_FILE, KEY_FILE } from '../../functions/adapters/local/local-database';
import { StoreError, StoreFault } from '../../functions/adapters/local/store-error';
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
    expect((await parameters.list('/a/', { recursive: true })).map((p) => p.name)).toEqual([
      '/a/b',
    ]);
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

    const a = { owner: 'rotation-a', holder: 'host:1:x' };
    const b = { owner: 'rotation-b', holder: 'host:2:y' };
    expect(await state.acquireLock('c', a, 60_000, now)).toBe(true);
    expect(await state.acquireLock('c', b, 60_000, now)).toBe(false);
    expect(await state.acquireLock('c', b, 60_000, new Date(now.getTime() + 61_000))).toBe(true);
    await state.releaseLock('c', a.owner);
    expect((await state.getLock('c'))?.owner).toBe('rotation-b');
    await state.releaseLock('c', b.owner, b.holder);
    expect(await state.acquireLock('c', a, 60_000, now)).toBe(true);
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

  it('keeps the key that seals secure values in a 0600 file beside the database', async () => {
    const dir = harness.tempDir();
    const backend = harness.backend(dir);
    await backend.parameters.put('/redis/password', SECRET, { isSecure: true });

    expect(statSync(join(dir, 'store', KEY_FILE)).mode & 0o777).toBe(0o600);
  });
});

/** Opens, writes one secure value and closes a store; returns its folder. */
async function storeWithSecret(): Promise<string> {
  const store = join(harness.tempDir(), 'store');
  const backend = openLocalBackend(store, { envKey: undefined });
  await backend.parameters.put('/redis/password', SECRET, { isSecure: true });
  backend.close();
  return store;
}

function faultOf(open: () => unknown): { fault: string; path: string; message: string } {
  try {
    open();
  } catch (error) {
    if (error instanceof StoreError)
      return { fault: error.fault, path: error.path, message: error.message };
    throw error;
  }
  throw new Error('expected the store to be refused');
}

describe('local store that existed', () => {
  it('refuses to re-create a deleted database while the store folder still holds its key', async () => {
    const store = await storeWithSecret();
    rmSync(join(store, DATABASE_FILE));

    const refused = faultOf(() => openLocalBackend(store, { envKey: undefined }));

    expect(refused).toMatchObject({
      fault: StoreFault.dataMissing,
      path: join(store, DATABASE_FILE),
    });
    expect(refused.message).toContain('Restore redis-ha.db from a backup');
    expect(existsSync(join(store, DATABASE_FILE))).toBe(false);
  });

  it('refuses a 0-byte database instead of starting an empty one', async () => {
    const store = await storeWithSecret();
    truncateSync(join(store, DATABASE_FILE), 0);

    expect(faultOf(() => openLocalBackend(store, { envKey: undefined }))).toMatchObject({
      fault: StoreFault.dataMissing,
      path: join(store, DATABASE_FILE),
    });
    expect(statSync(join(store, DATABASE_FILE)).size).toBe(0);
  });

  it('never generates a key while encrypted values exist', async () => {
    const store = await storeWithSecret();
    rmSync(join(store, KEY_FILE));

    const refused = faultOf(() => openLocalBackend(store, { envKey: undefined }));

    expect(refused).toMatchObject({ fault: StoreFault.keyMissing, path: join(store, KEY_FILE) });
    expect(refused.message).toContain('holds 1 secure value(s)');
    expect(existsSync(join(store, KEY_FILE))).toBe(false);
  });

  it('generates a key on first secure put when no encrypted value exists yet', async () => {
    const store = join(harness.tempDir(), 'store');
    const plain = openLocalBackend(store, { envKey: undefined });
    await plain.parameters.put('/a', 'plain', { isSecure: false });
    expect(existsSync(join(store, KEY_FILE))).toBe(false);

    await plain.parameters.put('/b', SECRET, { isSecure: true });
    plain.close();

    expect(existsSync(join(store, KEY_FILE))).toBe(true);
  });

  it('refuses a database without the redis-ha schema marker', () => {
    const store = join(harness.tempDir(), 'store');
    mkdirSync(store);
    const foreign = new DatabaseSync(join(store, DATABASE_FILE));
    foreign.exec('CREATE TABLE notes (text TEXT)');
    foreign.close();

    expect(faultOf(() => openLocalBackend(store, { envKey: undefined }))).toMatchObject({
      fault: StoreFault.corrupt,
      path: join(store, DATABASE_FILE),
    });
  });

  it('refuses a database file that is not SQLite', () => {
    const store = join(harness.tempDir(), 'store');
    mkdirSync(store);
    writeFileSync(join(store, DATABASE_FILE), 'this is not a database, just some text'.repeat(200));

    expect(faultOf(() => openLocalBackend(store, { envKey: undefined }))).toMatchObject({
      fault: StoreFault.corrupt,
    });
  });

  it('adopts a store made before the schema marker existed', async () => {
    const store = join(harness.tempDir(), 'store');
    const fresh = openLocalBackend(store, { envKey: undefined });
    await fresh.parameters.put('/a', 'kept', { isSecure: false });
    fresh.db.exec('PRAGMA application_id = 0');
    fresh.close();

    const reopened = openLocalBackend(store, { envKey: undefined });

    expect((await reopened.parameters.get('/a'))?.value).toBe('kept');
    reopened.close();
  });

  it('refuses a store path that is a file', () => {
    const file = join(harness.tempDir(), 'store');
    writeFileSync(file, 'x');

    expect(faultOf(() => openLocalBackend(file, { envKey: undefined }))).toMatchObject({
      fault: StoreFault.notADirectory,
      path: file,
    });
  });

  it('reads a missing store as empty when read-only, and creates nothing', async () => {
    const store = join(harness.tempDir(), 'never');

    const backend = openLocalBackend(store, { isReadOnly: true, envKey: undefined });

    expect(backend.isMissing).toBe(true);
    expect(await backend.parameters.list('/', { recursive: true })).toEqual([]);
    backend.close();
    expect(existsSync(store)).toBe(false);
  });

  it('reads a store read-only without changing its database or key, and refuses writes', async () => {
    const store = await storeWithSecret();
    const contents = () => [DATABASE_FILE, KEY_FILE].map((f) => readFileSync(join(store, f)));
    const before = contents();

    const backend = openLocalBackend(store, { isReadOnly: true, envKey: undefined });

    expect((await backend.parameters.get('/redis/password'))?.value).toBe(SECRET);
    await expect(backend.parameters.put('/x', 'y', { isSecure: false })).rejects.toThrow(
      /readonly/,
    );
    backend.close();
    expect(contents()).toEqual(before);
  });

  it('refuses a malformed REDIS_HA_LOCAL_KEY', () => {
    const store = join(harness.tempDir(), 'store');

    expect(faultOf(() => openLocalBackend(store, { envKey: 'c2hvcnQ=' }))).toMatchObject({
      fault: StoreFault.keyInvalid,
      path: 'REDIS_HA_LOCAL_KEY',
    });
  });

  it('says which key failed when values were sealed with another one', async () => {
    const store = await storeWithSecret();
    const otherKey = Buffer.alloc(32, 7).toString('base64');
    const backend = openLocalBackend(store, { envKey: otherKey });

    await expect(backend.parameters.get('/redis/password')).rejects.toMatchObject({
      fault: StoreFault.keyWrong,
      message: expect.stringContaining('REDIS_HA_LOCAL_KEY') as unknown,
    });
    backend.close();
  });
});
