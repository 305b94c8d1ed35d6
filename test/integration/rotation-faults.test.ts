// Rotation under failure, driven through the CLI as an operator would: a real crash (SIGKILL at
// a fault point) after each step and a resume; a node unreachable at step 3; a concurrent
// rotate; bad input. Whatever happens, the password parameter works on every node.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalBackend, type LocalBackend } from '../../functions/adapters/local/local-backend';
import type { RotationRecord } from '../../functions/core/rotation';
import { runDueRotations } from '../../functions/control/rotation-schedule';
import { accepts, runnerFor } from '../support/rotation';
import {
  clusterFor,
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
import { expectNoSecret, fingerprint } from '../support/secrets';

const LEASE_MS = 300;
const harness = new Harness();
let topology: Topology;
let store: string;
let inventory: string;
let backend: LocalBackend;
const printed: string[] = [];

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const result = await runCli([...args, '-i', inventory, '--store', store], {
    env: { REDIS_HA_ROTATION_LEASE_MS: String(LEASE_MS), ...env },
  });
  printed.push(result.stdout, result.stderr);
  return result;
}

async function storedPasswordWorksEverywhere(): Promise<boolean> {
  const password = (await backend.parameters.get(PASSWORD_PARAMETER))?.value;
  if (!password) return false;
  for (const node of topology.nodes)
    if (!(await accepts(topology, node.port, password))) return false;
  return true;
}

const record = async () => (await backend.state.getRotation('test')) as RotationRecord | undefined;

/** Until the recorded grace period and the lock held for it have both run out. */
async function graceHasEnded(): Promise<void> {
  await eventually(async () => {
    const endsAt = Date.parse((await record())?.graceEndsAt ?? '');
    const lock = await backend.state.getLock('test');
    const now = new Date();
    return Date.now() > endsAt && (!lock || lock.expiresAt <= now.toISOString());
  }, 'the grace period to end');
}

beforeAll(async () => {
  topology = await harness.topology();
  const dir = harness.tempDir();
  store = join(dir, 'store');
  inventory = writeInventory(dir, inventoryFor(topology));
  backend = openLocalBackend(store);
  await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  expect((await cli(['probe'])).code).toBe(0);
});
afterAll(async () => {
  backend.close();
  await harness.cleanup();
});

describe('rotation faults', () => {
  it('prints the plan on --dry-run and changes nothing', async () => {
    const result = await cli(['rotate', 'test', '--dry-run']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^3\. on 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+: ACL SETUSER default >\*\*\* ; CONFIG SET masterauth \*\*\*/m,
    );
    expect(await record()).toBeUndefined();
    expect((await backend.parameters.get(PASSWORD_PARAMETER))?.version).toBe(1);
  });

  it.each([
    'pending-stored',
    'nodes-added',
    'sentinels-updated',
    'verified',
    'published',
    'old-removed',
  ])(
    'resumes after a crash right after %s and ends with a working stored password',
    async (phase) => {
      const crashed = await cli(['rotate', 'test', '--grace', '500ms'], {
        REDIS_HA_FAULT: `rotation:after-${phase}`,
      });
      const afterCrash = await record();
      const worksAfterCrash = await storedPasswordWorksEverywhere();
      // No waiting out the crashed runner's lease: its process is gone, so the rerun takes over.
      const resumed = await cli(['rotate', 'test', '--grace', '500ms']);
      const password = (await backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '';
      const history = await backend.parameters.history(PASSWORD_PARAMETER);
      const previous = history.at(-2)?.value ?? '';

      expect(crashed.signal).toBe('SIGKILL');
      expect(afterCrash?.phase).toBe(phase);
      expect(worksAfterCrash).toBe(true);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect((await record())?.phase).toBe('completed');
      expect((await record())?.rotationId).toBe(afterCrash?.rotationId);
      expect(await storedPasswordWorksEverywhere()).toBe(true);
      for (const node of topology.nodes)
        expect(await accepts(topology, node.port, previous)).toBe(false);
      expect(password).not.toBe(previous);
    },
  );

  it('refuses a second rotate while the first waits through its grace period, with exit 75 and when it finishes', async () => {
    const first = cli(['rotate', 'test', '--grace', '20s']);
    const published = await eventually(async () => {
      const current = await record();
      const lock = await backend.state.getLock('test');
      return current?.phase === 'published' && lock ? current : undefined;
    }, 'the first rotate to publish and hold the lock');
    const [second, noWait] = await Promise.all([
      cli(['rotate', 'test']),
      cli(['rotate', 'test', '--no-wait']),
    ]);

    expect(second.code).toBe(75);
    expect(second.stderr).toContain(
      `rotation ${published.rotationId} of test is published and in its grace period`,
    );
    expect(second.stderr).toContain(`until ${published.graceEndsAt} (in `);
    expect(second.stderr).toMatch(/process \d+ on \S+ is waiting to finish it then/);
    expect(noWait.code).toBe(75);
    expect((await first).code).toBe(0);
    expect((await record())?.phase).toBe('completed');
  });

  it.each([
    [['rotate', 'nope'], 65, /unknown cluster "nope"/],
    [['rotate'], 64, /rotate: expected a cluster name/],
    [
      ['rotate', 'test', '--grace', 'soon'],
      64,
      /--grace: expected a duration such as 30s, got "soon"/,
    ],
    [['rotate', 'test', '--follow'], 64, /rotate: option --follow does not apply/],
  ])('rejects %j with exit %i', async (args, code, message) => {
    const result = await cli(args);

    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it('rolls back when a node is unreachable at step 3: the old password stays the only one', async () => {
    const own = await harness.topology();
    const { backend: ownBackend, cluster } = await harness.primed(own);
    const replica = own.nodes[2];
    if (!replica) throw new Error('no replica');
    await own.kill(replica);
    const { runner } = runnerFor(cluster, ownBackend, { isForced: true });

    const result = await runner.run();

    expect(result.phase).toBe('rolled-back');
    expect(result.error).toMatch(new RegExp(`127\\.0\\.0\\.1:${replica.port}`));
    const stored = await ownBackend.parameters.get(PASSWORD_PARAMETER);
    expect(stored && fingerprint(stored.value)).toBe(fingerprint(PASSWORD));
    expect(await ownBackend.parameters.get(`${PASSWORD_PARAMETER}/pending`)).toBeUndefined();
    for (const node of own.nodes.slice(0, 2)) {
      expect(await accepts(own, node.port, PASSWORD)).toBe(true);
      const users = (await own.call(node.port, 'node', 'ACL', 'GETUSER', 'default')) as unknown[];
      expect(
        (users[users.indexOf('passwords') + 1] as unknown[]).length,
        `passwords on ${node.port}`,
      ).toBe(1);
    }
    expect(ownBackend.events.list({ limit: 50 }).map((e) => e.event.type)).toContain(
      'redis-ha.rotation.rolled-back',
    );
    expect(await ownBackend.state.getLock('test')).toBeUndefined();
  });

  it('closes a forced rotation whose password parameter is missing, without touching Redis', async () => {
    const empty = harness.backend();
    const { runner } = runnerFor(clusterFor(topology), empty, { isForced: true });

    const result = await runner.run();

    expect(result.phase).toBe('rolled-back');
    expect(result.error).toMatch(/parameter \/test\/redis\/password is not set/);
    expect(await empty.state.getLock('test')).toBeUndefined();
    expect(await empty.parameters.list('/test/', { recursive: true })).toEqual([]);
    expect(await storedPasswordWorksEverywhere()).toBe(true);
  });

  it('lets watch finish a rotation whose grace period ended, and start one that is due', async () => {
    const published = await cli(['rotate', 'test', '--grace', '500ms', '--no-wait']);
    const afterPublish = await record();
    await graceHasEnded();
    const { deps } = runnerFor(clusterFor(topology), backend);
    await runDueRotations(inventoryFor(topology), deps, LEASE_MS);
    const finished = await record();
    await runDueRotations(
      inventoryFor(topology, { rotation: { everyDays: 1e-9, gracePeriod: '300ms' } }),
      deps,
      LEASE_MS,
    );
    const scheduledPublished = await record();
    await graceHasEnded();
    await runDueRotations(
      inventoryFor(topology, { rotation: { everyDays: 30, gracePeriod: '300ms' } }),
      deps,
      LEASE_MS,
    );
    const scheduledFinished = await record();

    expect(published.code).toBe(0);
    expect(afterPublish?.phase).toBe('published');
    expect(finished).toMatchObject({ rotationId: afterPublish?.rotationId, phase: 'completed' });
    expect(scheduledPublished).toMatchObject({ actor: 'schedule', phase: 'published' });
    expect(scheduledPublished?.rotationId).not.toBe(afterPublish?.rotationId);
    expect(scheduledFinished).toMatchObject({
      rotationId: scheduledPublished?.rotationId,
      phase: 'completed',
    });
    expect(await storedPasswordWorksEverywhere()).toBe(true);
  });

  it('shows the journal with rotations, and no password ever appears in output, journal or events', async () => {
    const rotations = await cli(['rotations', 'test']);
    const passwords = (await backend.parameters.history(PASSWORD_PARAMETER)).map((p) => p.value);
    const trail =
      JSON.stringify(await backend.state.readJournal()) +
      JSON.stringify(backend.events.list({ limit: 1000 }));

    expect(rotations.code).toBe(0);
    expect(rotations.stdout).toMatch(/journal of test:/);
    expect(rotations.stdout).toMatch(/pending-stored\s+done\s+cli:/);
    expect(passwords.length).toBeGreaterThan(8);
    expectNoSecret(
      [...printed, trail],
      Object.fromEntries(passwords.map((secret, i) => [`password #${i} of the history`, secret])),
    );
  });
});
