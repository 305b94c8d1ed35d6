// `probe --read-only` as a user runs it, after a real failover: it reports the new master but
// publishes no event, writes no parameter and commits no state (the store's files keep their
// bytes); the next plain `probe` then does all of it.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalBackend } from '../../functions/adapters/local/local-backend';
import { withoutSecureValue } from '../support/secrets';
import {
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  runCli,
  waitForFailover,
  writeInventory,
} from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());

/**
 * Everything the store holds that a probe could change, read through a short-lived backend;
 * secure values as fingerprints, so that a failing comparison prints no password.
 */
async function storeContents(store: string) {
  const backend = openLocalBackend(store);
  try {
    return {
      parameters: (await backend.parameters.list('/', { recursive: true })).map(withoutSecureValue),
      state: await backend.state.listClusterStates(),
      events: backend.events.list({ limit: 1000 }),
    };
  } finally {
    backend.close();
  }
}

/** Hashes of the store's files, so that a write nobody reads back would show too. */
function storeFiles(store: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const name of readdirSync(store).sort())
    hashes[name] = createHash('sha256')
      .update(readFileSync(join(store, name)))
      .digest('hex');
  return hashes;
}

interface ProbeJson {
  status: string;
  master: string | null;
  isConfirmed: boolean;
  events: { type: string }[];
  parametersWritten: string[];
}

describe('probe --read-only', () => {
  it('reports the master after a real failover but publishes, writes and commits nothing; a plain probe then acts', async () => {
    const topology = await harness.topology();
    const dir = harness.tempDir();
    const store = join(dir, 'store');
    const seeded = openLocalBackend(store);
    await seeded.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    seeded.close();
    const inventory = writeInventory(dir, inventoryFor(topology));
    const probe = (...flags: string[]) =>
      runCli(['probe', '--json', '-i', inventory, '--store', store, ...flags]);
    const old = topology.nodes[0];
    if (!old) throw new Error('no master');
    expect((await probe()).code).toBe(0);

    await topology.kill(old);
    const newPort = await waitForFailover(topology, old.port);
    const before = await storeContents(store);
    const filesBefore = storeFiles(store);
    const readOnly = await probe('--read-only');
    const after = await storeContents(store);
    const filesAfter = storeFiles(store);

    const [seen] = JSON.parse(readOnly.stdout) as ProbeJson[];
    expect(seen).toMatchObject({
      master: `127.0.0.1:${newPort}`,
      isConfirmed: true,
      events: [],
      parametersWritten: [],
    });
    expect(readOnly.code).toBe({ ok: 0, degraded: 1, critical: 2 }[seen?.status ?? '']);
    expect(after).toEqual(before);
    expect(filesAfter).toEqual(filesBefore);
    expect(before.parameters.find((p) => p.name === '/test/app/addr')?.value).toBe(
      `127.0.0.1:${old.port}`,
    );

    const acting = await probe();
    const [acted] = JSON.parse(acting.stdout) as ProbeJson[];
    const afterActing = await storeContents(store);

    expect(acted?.events.map((e) => e.type)).toContain('redis-ha.master.changed');
    expect(acted?.parametersWritten).toContain('/test/app/addr');
    expect(afterActing.parameters.find((p) => p.name === '/test/app/addr')?.value).toBe(
      `127.0.0.1:${newPort}`,
    );
    expect(afterActing.state[0]?.master?.port).toBe(newPort);
    expect(
      afterActing.events.filter((e) => e.event.type === 'redis-ha.master.changed'),
    ).toHaveLength(1);
  });
});
