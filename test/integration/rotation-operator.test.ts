// What an operator meets at the command line around a rotation: `rotation.length`/`alphabet`,
// `--dry-run` touching nothing anywhere, `--force` on a degraded cluster and the refusal
// without it, and a rerun (or `--abort`) during the grace period of a `--no-wait` rotation.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalBackend, type LocalBackend } from '../../functions/adapters/local/local-backend';
import type { RotationRecord } from '../../functions/core/rotation';
import { probeCluster } from '../../functions/control/probe-cluster';
import { reconcileCluster } from '../../functions/control/reconcile';
import { accepts, runnerFor } from '../support/rotation';
import { aclLists, storeSnapshot } from '../support/rotation-inspect';
import { expectNoSecret } from '../support/secrets';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  runCli,
  writeInventory,
  type CliRun,
  type Topology,
} from '../support/topology';

const harness = new Harness();
let topology: Topology;
let store: string;
let backend: LocalBackend;
const printed: string[] = [];

/** Runs the CLI with an inventory for the shared topology, with `overrides` on the cluster. */
async function cli(args: string[], overrides: Record<string, unknown> = {}): Promise<CliRun> {
  const inventory = writeInventory(harness.tempDir(), inventoryFor(topology, overrides));
  const result = await runCli([...args, '-i', inventory, '--store', store]);
  printed.push(result.stdout, result.stderr);
  return result;
}

const password = async () => (await backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '';
const record = async () => (await backend.state.getRotation('test')) as RotationRecord | undefined;

beforeAll(async () => {
  topology = await harness.topology();
  store = join(harness.tempDir(), 'store');
  backend = openLocalBackend(store);
  await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  await reconcileCluster(clusterFor(topology), controlDepsFor(backend));
});
afterAll(async () => {
  backend.close();
  await harness.cleanup();
});

describe('rotation at the command line', () => {
  it('generates a password of rotation.length characters from rotation.alphabet', async () => {
    const rotation = { length: 64, alphabet: 'ABCDEFGHJKLMNPQR', gracePeriod: '300ms' };

    const result = await cli(['rotate', 'test'], { rotation });
    const generated = await password();

    expect(result.code, result.stderr).toBe(0);
    expect(generated).toMatch(/^[A-HJ-NP-R]{64}$/);
    for (const node of topology.nodes)
      expect(await accepts(topology, node.port, generated), `on ${node.port}`).toBe(true);
  });

  it('leaves every node ACL, the parameters, the journal and the event log untouched on --dry-run', async () => {
    const aclBefore = await aclLists(topology, await password());
    const storeBefore = await storeSnapshot(backend);

    const result = await cli(['rotate', 'test', '--dry-run']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^dry run: nothing will be changed/);
    expect(result.stdout).toMatch(/^7\. after 30000 ms: remove the old password/m);
    expect(JSON.parse(storeBefore).journal.length).toBeGreaterThan(0);
    expect(await aclLists(topology, await password())).toEqual(aclBefore);
    expect(await storeSnapshot(backend)).toBe(storeBefore);
  });

  it('refuses a degraded cluster without --force, naming the reasons and touching nothing, and rotates it with --force', async () => {
    const replica = topology.nodes[2];
    if (!replica) throw new Error('no replica');
    const current = await password();
    // The replica stays up but cannot authenticate to its master: REPLICA_DOWN, degraded.
    await topology.callAs(replica.port, current, 'CONFIG', 'SET', 'masterauth', 'not-the-password');
    await topology.callAs(replica.port, current, 'CLIENT', 'KILL', 'TYPE', 'master');
    const { deps } = runnerFor(clusterFor(topology), backend);
    await eventually(
      async () => (await probeCluster(clusterFor(topology), deps)).verdict.status === 'degraded',
      'the cluster to be degraded',
    );
    const aclBefore = await aclLists(topology, current);
    const storeBefore = await storeSnapshot(backend);

    const refused = await cli(['rotate', 'test']);
    const aclAfterRefusal = await aclLists(topology, current);
    const storeAfterRefusal = await storeSnapshot(backend);
    const forced = await cli(['rotate', 'test', '--force', '--grace', '300ms']);
    const rotated = await password();

    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing to rotate test: verdict is degraded \(REPLICA_DOWN: /);
    expect(refused.stderr).toContain(`127.0.0.1:${replica.port}`);
    expect(refused.stderr).toContain('use --force to rotate anyway');
    expect(aclAfterRefusal).toEqual(aclBefore);
    expect(storeAfterRefusal).toBe(storeBefore);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await record()).toMatchObject({ phase: 'completed', isForced: true });
    expect(rotated).not.toBe(current);
    for (const node of topology.nodes) {
      expect(await accepts(topology, node.port, rotated), `new on ${node.port}`).toBe(true);
      expect(await accepts(topology, node.port, current), `old on ${node.port}`).toBe(false);
    }
    // Step 3 gave the replica the new masterauth: it is attached again.
    await eventually(
      async () => (await probeCluster(clusterFor(topology), deps)).verdict.status === 'ok',
      'the forced rotation to heal the replica',
    );
  });

  it('tells a rerun during the grace period of a --no-wait rotation when it can finish (75), refuses --abort after publishing, and a waiting rerun finishes it', async () => {
    const published = await cli(['rotate', 'test', '--grace', '30s', '--no-wait']);
    const inGrace = await record();
    const [rerun, abort] = await Promise.all([
      cli(['rotate', 'test', '--no-wait']),
      cli(['rotate', 'test', '--abort']),
    ]);
    // The waiting rerun, on a clock that its grace-period sleep moves forward.
    let offsetMs = 0;
    const notices: string[] = [];
    const { runner } = runnerFor(
      clusterFor(topology),
      backend,
      { onNotice: (text) => notices.push(text) },
      {
        clock: { now: () => new Date(Date.now() + offsetMs) },
        sleep: async (ms) => {
          offsetMs += ms;
        },
      },
    );
    const finished = await runner.run();

    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toMatch(/published; the old password stays valid until/);
    expect(inGrace?.phase).toBe('published');
    expect(rerun.code).toBe(75);
    expect(rerun.stderr).toContain(
      `rotation ${inGrace?.rotationId} of test is published and in its grace period`,
    );
    expect(rerun.stderr).toMatch(
      new RegExp(`until ${inGrace?.graceEndsAt} \\(in \\d+ s\\)\\. It can finish then`),
    );
    expect(rerun.stderr).not.toMatch(/already rotating/);
    expect(abort.code).toBe(1);
    expect(abort.stderr).toMatch(/cannot abort rotation .* past publishing \(phase published\)/);
    expect(abort.stderr).toContain('Run `redis-ha rotate test` again to roll it forward');
    expect(notices.join('\n')).toContain(
      `waiting for its grace period to end at ${inGrace?.graceEndsAt}`,
    );
    expect(finished).toMatchObject({ rotationId: inGrace?.rotationId, phase: 'completed' });
  });

  it('never prints a password', async () => {
    const passwords = [
      PASSWORD,
      ...(await backend.parameters.history(PASSWORD_PARAMETER)).map((p) => p.value),
    ];
    const trail =
      JSON.stringify(await backend.state.readJournal()) +
      JSON.stringify(backend.events.list({ limit: 1000 }));

    expect(passwords.length).toBeGreaterThan(3);
    expectNoSecret(
      [...printed, trail],
      Object.fromEntries(passwords.map((secret, i) => [`password #${i} of the history`, secret])),
    );
  });
});
