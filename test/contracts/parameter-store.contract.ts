// What every ParameterStore adapter (local SQLite, SSM) must do, as SSM Parameter Store does it:
// versions, secure values decrypted on read, batch reads, listing by hierarchy path, history
// oldest first, idempotent delete. A test file runs `parameterStoreContract` per adapter.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParameterStore } from '../../functions/core/ports';
import { pendingParameterName } from '../../functions/core/rotation';

export interface ParameterStoreFixture {
  readonly store: ParameterStore;
  cleanup(): Promise<void>;
}

const SECRET = 'Contract-Secret-1f2e3d4c5b6a';

export function parameterStoreContract(
  name: string,
  makeStore: () => Promise<ParameterStoreFixture>,
): void {
  describe(`ParameterStore contract: ${name}`, () => {
    let fixture: ParameterStoreFixture;
    let store: ParameterStore;
    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(() => fixture.cleanup());

    it('numbers versions from 1 and reads the newest', async () => {
      expect(await store.get('/c/app/url')).toBeUndefined();

      expect(await store.put('/c/app/url', 'one', { isSecure: false })).toBe(1);
      expect(await store.put('/c/app/url', 'two', { isSecure: false })).toBe(2);

      const stored = await store.get('/c/app/url');
      expect(stored).toMatchObject({
        name: '/c/app/url',
        value: 'two',
        version: 2,
        isSecure: false,
      });
      expect(Number.isNaN(Date.parse(stored?.updatedAt ?? ''))).toBe(false);
    });

    it('returns a secure value decrypted and flags it secure, per version', async () => {
      await store.put('/c/password', SECRET, { isSecure: true });
      expect(await store.get('/c/password')).toMatchObject({ value: SECRET, isSecure: true });

      await store.put('/c/password', 'now-plain', { isSecure: false });
      expect(await store.get('/c/password')).toMatchObject({
        value: 'now-plain',
        isSecure: false,
        version: 2,
      });
    });

    it('keeps values byte for byte (spaces, quotes, unicode, newlines)', async () => {
      const value = ` "quoted" & 'single' \\ ünïcødé ✓\nsecond line `;
      await store.put('/c/odd', value, { isSecure: true });
      expect((await store.get('/c/odd'))?.value).toBe(value);
    });

    it('reads many names at once, leaving out missing ones, beyond one batch of ten', async () => {
      const names = Array.from({ length: 23 }, (_, i) => `/c/many/p${String(i).padStart(2, '0')}`);
      for (const [i, n] of names.entries()) {
        await store.put(n, `v${i}`, { isSecure: i % 2 === 0 });
      }
      const asked = [...names, '/c/many/missing', names[0] as string];

      const found = await store.getMany(asked);

      expect([...found.keys()].sort()).toEqual(names);
      expect(found.get('/c/many/p07')).toMatchObject({ value: 'v7', isSecure: false });
      expect(found.get('/c/many/p08')).toMatchObject({ value: 'v8', isSecure: true });
      expect(found.has('/c/many/missing')).toBe(false);
      expect((await store.getMany([])).size).toBe(0);
    });

    it('lists one level of a path, or every level when recursive, never a sibling prefix', async () => {
      for (const n of ['/a', '/a/x', '/a/b/y', '/a/b/c/z', '/ab/x', '/abc', '/b/x']) {
        await store.put(n, `value of ${n}`, { isSecure: n === '/a/b/y' });
      }

      const one = await store.list('/a', { recursive: false });
      const all = await store.list('/a', { recursive: true });

      expect(one.map((p) => p.name)).toEqual(['/a/x']);
      expect(all.map((p) => p.name)).toEqual(['/a/b/c/z', '/a/b/y', '/a/x']);
      expect(all.find((p) => p.name === '/a/b/y')).toMatchObject({
        value: 'value of /a/b/y',
        isSecure: true,
        version: 1,
      });
      expect((await store.list('/a/b', { recursive: false })).map((p) => p.name)).toEqual([
        '/a/b/y',
      ]);
      expect((await store.list('/nothing', { recursive: true })).length).toBe(0);
    });

    it('lists every parameter, sorted by name, from the root when recursive', async () => {
      for (const n of ['/z/1', '/a/2', '/m/n/3']) await store.put(n, 'v', { isSecure: false });
      await store.put('/a/2', 'newer', { isSecure: false });

      const all = await store.list('/', { recursive: true });

      expect(all.map((p) => p.name)).toEqual(['/a/2', '/m/n/3', '/z/1']);
      expect(all[0]).toMatchObject({ value: 'newer', version: 2 });
    });

    it('lists every version oldest first, each with its own value and flag', async () => {
      await store.put('/c/h', 'first', { isSecure: false });
      await store.put('/c/h', SECRET, { isSecure: true });
      for (let i = 3; i <= 7; i++) await store.put('/c/h', `v${i}`, { isSecure: false });

      const history = await store.history('/c/h');

      expect(history.map((p) => p.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(history[0]).toMatchObject({ name: '/c/h', value: 'first', isSecure: false });
      expect(history[1]).toMatchObject({ value: SECRET, isSecure: true });
      expect(await store.history('/c/never')).toEqual([]);
    });

    it('deletes every version, and deleting a missing parameter is not an error', async () => {
      await store.put('/c/d', 'one', { isSecure: false });
      await store.put('/c/d', 'two', { isSecure: false });

      await store.delete('/c/d');
      await store.delete('/c/d');
      await store.delete('/c/never-existed');

      expect(await store.get('/c/d')).toBeUndefined();
      expect(await store.history('/c/d')).toEqual([]);
      expect(await store.list('/c', { recursive: true })).toEqual([]);
      expect(await store.put('/c/d', 'again', { isSecure: false })).toBe(1);
    });

    it('keeps a pending value beside the current one, each with its own versions', async () => {
      const current = '/c/redis/password';
      const pending = pendingParameterName(current);
      await store.put(current, 'old-password-value', { isSecure: true });
      await store.put(pending, SECRET, { isSecure: true });

      expect(await store.get(current)).toMatchObject({ value: 'old-password-value', version: 1 });
      expect(await store.get(pending)).toMatchObject({ value: SECRET, version: 1 });
      expect((await store.list('/c/redis', { recursive: false })).map((p) => p.name)).toEqual([
        current,
      ]);

      await store.delete(pending);
      expect(await store.get(pending)).toBeUndefined();
      expect(await store.get(current)).toMatchObject({ value: 'old-password-value' });
    });
  });
}
