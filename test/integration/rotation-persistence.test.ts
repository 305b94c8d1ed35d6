// Rotation where persisting a password is impossible or fails: data nodes without a config
// file (the official Docker image's default), a config that cannot be rewritten, and the way
// out of a stuck rotation (`rotate --abort`), with real crashes (SIGKILL at fault points).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalBackend } from '../../functions/adapters/local/local-backend';
import type { RotationRecord } from '../../functions/core/rotation';
import { reconcileCluster } from '../../functions/control/reconcile';
import { within } from '../support/deadline';
import { accepts, runnerFor } from '../support/rotation';
import { aclLists, hasMasterauth, passwordCount, storeSnapshot } from '../support/rotation-inspect';
import { expectNoSecret, fingerprint } from '../support/secrets';
import {
  clusterFor,
  controlDepsFor,
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  runCli,
  writeInventory,
  type CliRun,
} from '../support/topology';

const PENDING = `${PASSWORD_PARAMETER}/pending`;

/** A topology, its store and inventory, and the CLI run against them. */
async function operatorSetup(
  harness: Harness,
  topologyOptions: Parameters<Harness['topology']>[0] = {},
  overrides: Record<string, unknown> = {},
) {
  const topology = await harness.topology(topologyOptions);
  const dir = harness.tempDir();
  const store = join(dir, 'store');
  const backend = harness.backend(dir);
  await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  await reconcileCluster(clusterFor(topology, overrides), controlDepsFor(backend));
  const inventory = writeInventory(dir, inventoryFor(topology, overrides));
  const printed: string[] = [];
  const cli = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => {
    const result = await runCli([...args, '-i', inventory, '--store', store], { env });
    printed.push(result.stdout, result.stderr);
    return result;
  };
  const record = async () =>
    (await backend.state.getRotation('test')) as RotationRecord | undefined;
  return { topology, backend, cli, record, printed };
}

/** Fails, naming the secret but never showing it, when CLI output, journal or events hold one. */
async function noSecretIn(
  backend: LocalBackend,
  texts: readonly string[],
  secrets: Readonly<Record<string, string>>,
) {
  const trail =
    JSON.stringify(await backend.state.readJournal()) +
    JSON.stringify(backend.events.list({ limit: 1000 }));
  expectNoSecret([...texts, trail], secrets);
}

describe('rotation of data nodes without a config file', () => {
  const harness = new Harness();
  let setup: Awaited<ReturnType<typeof operatorSetup>>;
  let ports: string[];
  beforeAll(async () => {
    setup = await operatorSetup(harness, { withoutConfigFile: true });
    ports = setup.topology.nodes.map((n) => `127.0.0.1:${n.port}`);
  });
  afterAll(() => harness.cleanup());

  it('refuses before touching anything, naming the nodes, and --dry-run says it would', async () => {
    const aclBefore = await aclLists(setup.topology);
    const storeBefore = await storeSnapshot(setup.backend);

    const dryRun = await setup.cli(['rotate', 'test', '--dry-run']);
    const refused = await setup.cli(['rotate', 'test']);

    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(/^would refuse: .*without a config file/m);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing to rotate test: .* without a config file/);
    expect(refused.stderr).toContain('rotation.allowUnpersisted: true');
    expect(refused.stderr).not.toContain('--force');
    for (const node of ports) expect(refused.stderr).toContain(node);
    expect(await aclLists(setup.topology)).toEqual(aclBefore);
    expect(await storeSnapshot(setup.backend)).toBe(storeBefore);
  });

  it('rotates in memory only when the inventory allows it, warning in plan, journal, events and output that a restart reverts it', async () => {
    const allowed = await operatorSetup(
      harness,
      { withoutConfigFile: true },
      { rotation: { allowUnpersisted: true, gracePeriod: '300ms' } },
    );
    const nodes = allowed.topology.nodes.map((n) => `127.0.0.1:${n.port}`);

    const plan = await allowed.cli(['rotate', 'test', '--dry-run']);
    const rotated = await allowed.cli(['rotate', 'test']);
    const password = (await allowed.backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '';
    const journal = await allowed.backend.state.readJournal({ cluster: 'test' });
    const events = allowed.backend.events.list({ limit: 100 }).map((e) => e.event);
    const replica = allowed.topology.nodes[2];
    if (!replica) throw new Error('no replica');
    await allowed.topology.restartWith(replica);

    expect(plan.stdout).toMatch(/^warning: .*in memory only.*restart/m);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/completed: only the new password is valid/);
    expect(rotated.stdout).toMatch(/warning: .*restart of those nodes brings back the old one/);
    expect(journal.find((j) => j.step === 'started')?.detail).toMatch(/warning: .*in memory only/);
    for (const type of ['redis-ha.rotation.started', 'redis-ha.rotation.completed']) {
      const data = events.find((e) => e.type === type)?.data as Record<string, unknown>;
      expect(data.unpersistedNodes, type).toEqual(expect.arrayContaining(nodes));
      expect(String(data.warning)).toMatch(/restart/);
    }
    for (const node of allowed.topology.nodes.slice(0, 2)) {
      expect(await accepts(allowed.topology, node.port, password)).toBe(true);
      expect(await accepts(allowed.topology, node.port, PASSWORD)).toBe(false);
    }
    // What the warning says: the restarted node is back on the password of its arguments.
    expect(await accepts(allowed.topology, replica.port, PASSWORD)).toBe(true);
    await noSecretIn(allowed.backend, allowed.printed, {
      'new password': password,
      'old password': PASSWORD,
    });
  });
});

describe('rollback when persisting fails', () => {
  const harness = new Harness();
  afterEach(() => harness.cleanup());

  it('puts the old password back in memory on every node even where the config cannot be rewritten, and records what was not persisted', async () => {
    const topology = await harness.topology();
    const { backend, cluster } = await harness.primed(topology);
    const broken = topology.nodes[1];
    if (!broken) throw new Error('no replica');
    // A directory where the config file was: CONFIG REWRITE fails ("Is a directory").
    rmSync(broken.configFile);
    mkdirSync(broken.configFile);
    const { runner } = runnerFor(cluster, backend);

    const result = await runner.run();
    const journal = await backend.state.readJournal({ cluster: 'test' });
    const rolledBack = backend.events
      .list({ limit: 50 })
      .map((e) => e.event)
      .find((e) => e.type === 'redis-ha.rotation.rolled-back');

    expect(result.phase).toBe('rolled-back');
    expect(result.error).toMatch(new RegExp(`127\\.0\\.0\\.1:${broken.port}: .*Is a directory`));
    for (const node of topology.nodes) {
      expect(await accepts(topology, node.port, PASSWORD), `old on ${node.port}`).toBe(true);
      expect(await passwordCount(topology, node.port, 'default'), `on ${node.port}`).toBe(1);
      expect(await hasMasterauth(topology, node.port, PASSWORD), `on ${node.port}`).toBe(true);
    }
    expect(journal.find((j) => j.step === 'rolled-back')?.detail).toMatch(
      new RegExp(`not persisted: 127\\.0\\.0\\.1:${broken.port}: .*Is a directory`),
    );
    expect(JSON.stringify(rolledBack?.data)).toContain(`127.0.0.1:${broken.port}`);
    expect(await backend.parameters.get(PENDING)).toBeUndefined();
    expect(await backend.state.getLock('test')).toBeUndefined();
  });
});

describe('rotate --abort', () => {
  const harness = new Harness();
  afterEach(() => harness.cleanup());

  it('rolls back a rotation whose runner crashed before publishing, without waiting out its lease; a crash during that rollback is finished by the next rotate', async () => {
    const { topology, backend, cli, record, printed } = await operatorSetup(harness);

    const crashed = await cli(['rotate', 'test'], { REDIS_HA_FAULT: 'rotation:after-nodes-added' });
    const newPassword = (await backend.parameters.get(PENDING))?.value ?? '';
    const lease = await backend.state.getLock('test');
    const abortCrashed = await cli(['rotate', 'test', '--abort'], {
      REDIS_HA_FAULT: 'rotation:rolling-back-sentinels-reverted',
    });
    const midRollback = await record();
    const rerun = await cli(['rotate', 'test']);
    const again = await cli(['rotate', 'test', '--abort']);
    const journal = await backend.state.readJournal({ cluster: 'test' });

    expect(crashed.signal).toBe('SIGKILL');
    expect(newPassword).not.toBe('');
    // The crashed runner's lease (60 s by default) still held when --abort took over.
    expect(Date.parse(lease?.expiresAt ?? '')).toBeGreaterThan(Date.now() + 10_000);
    expect(abortCrashed.signal).toBe('SIGKILL');
    expect(midRollback?.phase).toBe('rolling-back');
    expect(midRollback?.error).toMatch(/aborted by cli:/);
    expect(rerun.code, rerun.stderr).toBe(1);
    expect(rerun.stdout).toMatch(/rolled back \(aborted by cli:.*\): the old password is still/);
    expect(await record()).toMatchObject({
      rotationId: midRollback?.rotationId,
      phase: 'rolled-back',
    });
    expect(journal.map((j) => `${j.step} ${j.outcome}`)).toEqual(
      expect.arrayContaining(['abort started', 'rolled-back done']),
    );
    expect(journal.find((j) => j.step === 'abort')?.detail).toMatch(/took over from crashed/);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nothing to abort: no rotation of test is in flight/);
    for (const node of topology.nodes) {
      expect(await accepts(topology, node.port, PASSWORD), `old on ${node.port}`).toBe(true);
      expect(await accepts(topology, node.port, newPassword), `new on ${node.port}`).toBe(false);
      expect(await hasMasterauth(topology, node.port, PASSWORD), `on ${node.port}`).toBe(true);
    }
    const stored = await backend.parameters.get(PASSWORD_PARAMETER);
    expect(stored && fingerprint(stored.value)).toBe(fingerprint(PASSWORD));
    expect(await backend.parameters.list(`${PASSWORD_PARAMETER}/`, { recursive: true })).toEqual(
      [],
    );
    expect(await backend.state.getLock('test')).toBeUndefined();
    expect((await cli(['probe'])).code).toBe(0);
    await noSecretIn(backend, printed, { 'old password': PASSWORD, 'new password': newPassword });
  });

  it('refuses while a live process runs the rotation, naming it, and changes nothing', async () => {
    const { topology, backend, cli, record } = await operatorSetup(harness);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let atStep4: () => void = () => undefined;
    const reachedStep4 = new Promise<void>((resolve) => (atStep4 = resolve));
    const deps = controlDepsFor(backend);
    // The live runner pauses at step 4 until the test lets it go on.
    const { runner } = runnerFor(
      clusterFor(topology),
      backend,
      { gracePeriodMs: 300 },
      {
        gateway: {
          ...deps.gateway,
          querySentinel: deps.gateway.querySentinel.bind(deps.gateway),
          queryRole: deps.gateway.queryRole.bind(deps.gateway),
          subscribe: deps.gateway.subscribe.bind(deps.gateway),
          run: async (endpoint, options, commands) => {
            if (commands[0]?.[1] === 'SET' && commands[0]?.[0] === 'SENTINEL') {
              atStep4();
              await gate;
            }
            return deps.gateway.run(endpoint, options, commands);
          },
        },
      },
    );
    const rotation = runner.run();
    // Awaited below; a failure before then must not also surface as an unhandled rejection.
    void rotation.catch(() => undefined);
    let before: RotationRecord | undefined;
    let abort: CliRun;
    let after: RotationRecord | undefined;
    try {
      const endedEarly = rotation.then(() => {
        throw new Error('the rotation finished without reaching step 4');
      });
      await within(Promise.race([reachedStep4, endedEarly]), 30_000, 'the rotation at step 4');
      before = await record();
      abort = await cli(['rotate', 'test', '--abort']);
      after = await record();
    } finally {
      // Whatever failed above, the paused runner must not stay blocked on the gate.
      release();
    }
    const finished = await rotation;

    expect(abort.code).toBe(75);
    expect(abort.stderr).toMatch(
      new RegExp(
        `cluster test is already rotating \\(process ${process.pid} on \\S+ holds its lock`,
      ),
    );
    expect(after).toEqual(before);
    expect(finished.phase).toBe('completed');
  });
});
