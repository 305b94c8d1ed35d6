// Password rotation on real topologies: requirepass-style default user, an ACL user (users in
// an ACL file), and CONFIG renamed. After each rotation every node and sentinel is restarted:
// the new password works, the old one is refused, replication and sentinels are healthy.
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileCluster } from '../../functions/control/reconcile';
import { probeCluster } from '../../functions/control/probe-cluster';
import { accepts, restartAll, runnerFor } from '../support/rotation';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  PASSWORD,
  PASSWORD_PARAMETER,
  waitForFailover,
} from '../support/topology';
import { failingPut } from '../support/failing-parameters';
import { expectNoSecret, fingerprint } from '../support/secrets';

const harness = new Harness();
afterEach(() => harness.cleanup());

const SENTINEL_PASSWORD = 'Sentinel-Pw-5e4d3c2b1a0f9e8d';
const SENTINEL_PARAMETER = '/test/sentinel/password';

describe('rotation', () => {
  it.each([
    ['requirepass-style default user', {}, {}],
    ['an ACL user kept in an ACL file', { username: 'app', useAclFile: true }, {}],
    [
      'CONFIG renamed as in the RP-PAM guide',
      { commandRenames: { CONFIG: 'RPPAM_CONFIG_b7d3a1' } },
      { commandRenames: { CONFIG: 'RPPAM_CONFIG_b7d3a1' } },
    ],
    [
      "the sentinels' own password rotated too",
      { sentinelPassword: SENTINEL_PASSWORD },
      { sentinelPasswordParameter: SENTINEL_PARAMETER, rotation: { rotateSentinelPassword: true } },
    ],
  ])(
    'rotates with %s and survives a restart of every process',
    async (_name, topologyOptions, overrides) => {
      const topology = await harness.topology(topologyOptions);
      const backend = harness.backend();
      await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
      await backend.parameters.put(SENTINEL_PARAMETER, SENTINEL_PASSWORD, { isSecure: true });
      const cluster = clusterFor(topology, overrides);
      await reconcileCluster(cluster, controlDepsFor(backend));
      const { runner, deps } = runnerFor(cluster, backend);

      const record = await runner.run();
      const newPassword = (await backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '';
      const sentinelPassword = (await backend.parameters.get(SENTINEL_PARAMETER))?.value ?? '';
      await restartAll(topology);
      if (cluster.rotation.rotateSentinelPassword) topology.useSentinelPassword(sentinelPassword);
      await topology.waitForSentinels();
      const probe = await probeCluster(cluster, deps);

      expect(record.phase, record.error ?? '').toBe('completed');
      expect(newPassword).toMatch(/^[A-Za-z0-9\-_.~]{48}$/);
      for (const node of topology.nodes) {
        expect(await accepts(topology, node.port, newPassword), `new on ${node.port}`).toBe(true);
        expect(await accepts(topology, node.port, PASSWORD), `old on ${node.port}`).toBe(false);
      }
      if (cluster.rotation.rotateSentinelPassword) {
        expect(fingerprint(sentinelPassword)).not.toBe(fingerprint(SENTINEL_PASSWORD));
        for (const sentinel of topology.sentinels) {
          expect(
            await topology.sentinelAccepts(sentinel.port, sentinelPassword),
            `new on ${sentinel.port}`,
          ).toBe(true);
          expect(
            await topology.sentinelAccepts(sentinel.port, SENTINEL_PASSWORD),
            `old on ${sentinel.port}`,
          ).toBe(false);
        }
      }
      expect(probe.verdict).toMatchObject({ status: 'ok', isConfirmed: true });
      expect((await backend.parameters.get('/test/app/url'))?.value).toContain(
        `redis://:${newPassword}@`,
      );
      expect(await backend.parameters.list(`${PASSWORD_PARAMETER}/`, { recursive: true })).toEqual(
        [],
      );
      expect(await backend.parameters.list(`${SENTINEL_PARAMETER}/`, { recursive: true })).toEqual(
        [],
      );
      expect(backend.events.list({ limit: 100 }).map((e) => e.event.type)).toEqual(
        expect.arrayContaining([
          'redis-ha.rotation.started',
          'redis-ha.rotation.succeeded',
          'redis-ha.rotation.completed',
        ]),
      );
      const trail =
        JSON.stringify(await backend.state.readJournal()) +
        JSON.stringify(backend.events.list({ limit: 100 })) +
        deps.log.text();
      expectNoSecret([trail], {
        'new password': newPassword,
        'old password': PASSWORD,
        'new sentinel password': sentinelPassword,
        'old sentinel password': SENTINEL_PASSWORD,
      });
    },
  );
});

describe('rotation whose publish fails part-way', () => {
  it('puts the old passwords back in the password, sentinel and platform parameters before deleting their copies', async () => {
    const topology = await harness.topology({ sentinelPassword: SENTINEL_PASSWORD });
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    await backend.parameters.put(SENTINEL_PARAMETER, SENTINEL_PASSWORD, { isSecure: true });
    const cluster = clusterFor(topology, {
      sentinelPasswordParameter: SENTINEL_PARAMETER,
      rotation: { rotateSentinelPassword: true },
    });
    await reconcileCluster(cluster, controlDepsFor(backend));
    const urlBefore = (await backend.parameters.get('/test/app/url'))?.value;
    // Step 6 writes both password parameters, then this platform parameter fails.
    const parameters = failingPut(backend.parameters, '/test/app/url');
    const { runner } = runnerFor(cluster, backend, {}, { parameters });

    const record = await runner.run();
    const history = async (name: string) =>
      (await backend.parameters.history(name)).map((p) => fingerprint(p.value));

    expect(record).toMatchObject({
      phase: 'rolled-back',
      error: expect.stringContaining('simulated failure writing /test/app/url'),
    });
    expect((await history(PASSWORD_PARAMETER)).at(-1)).toBe(fingerprint(PASSWORD));
    expect(await history(PASSWORD_PARAMETER)).toHaveLength(3);
    expect((await history(SENTINEL_PARAMETER)).at(-1)).toBe(fingerprint(SENTINEL_PASSWORD));
    expect((await backend.parameters.get('/test/app/url'))?.value).toBe(urlBefore);
    expect(urlBefore).toContain(`redis://:${PASSWORD}@`);
    expect(await backend.parameters.list(`${PASSWORD_PARAMETER}/`, { recursive: true })).toEqual(
      [],
    );
    for (const node of topology.nodes)
      expect(await accepts(topology, node.port, PASSWORD), `old on ${node.port}`).toBe(true);
    for (const sentinel of topology.sentinels)
      expect(await topology.sentinelAccepts(sentinel.port, SENTINEL_PASSWORD)).toBe(true);
  });
});

describe('rotation during a failover', () => {
  it.each([
    ['in the grace period', 'grace'],
    ['right after the nodes got the new password', 'rotation:after-nodes-added'],
  ])(
    'leaves every node with a masterauth that its master accepts when sentinel fails over %s',
    async (_name, when) => {
      const topology = await harness.topology();
      const backend = harness.backend();
      await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
      const cluster = clusterFor(topology);
      await reconcileCluster(cluster, controlDepsFor(backend));
      // Sentinel answers NOGOODSLAVE until it has fresh INFO from a replica: retry until it accepts.
      const failover = () =>
        topology.waitFor(
          async () => {
            const reply = await topology
              .call(
                topology.sentinels[0]?.port as number,
                'sentinel',
                'SENTINEL',
                'FAILOVER',
                topology.masterName,
              )
              .catch((error: Error) => error.message);
            return reply === 'OK';
          },
          'SENTINEL FAILOVER to be accepted',
          30_000,
        );
      let failingOver: Promise<unknown> | undefined;
      const passwords = async () => [
        PASSWORD,
        ...(await backend.parameters.history(PASSWORD_PARAMETER)).map((p) => p.value),
      ];
      const { runner } = runnerFor(
        cluster,
        backend,
        { gracePeriodMs: when === 'grace' ? 6000 : 500 },
        {
          faults: (point) => {
            if (point === when) failingOver ??= failover();
          },
        },
      );
      const rotation = runner.run();
      if (when === 'grace') {
        await eventually(
          async () => (await backend.parameters.get(PASSWORD_PARAMETER))?.value !== PASSWORD,
          'step 6',
        );
        failingOver = failover();
        await waitForFailover(topology, topology.nodes[0]?.port as number, passwords);
      }

      const record = await rotation;
      await failingOver;
      const password = (await backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '';
      const masterPort = await waitForFailover(
        topology,
        topology.nodes[0]?.port as number,
        passwords,
      );
      await eventually(
        async () => {
          for (const node of topology.nodes) {
            if (node.port === masterPort) continue;
            const role = (await topology
              .callAs(node.port, password, 'ROLE')
              .catch(() => [])) as unknown[];
            if (role[0] !== 'slave' || Number(role[2]) !== masterPort || role[3] !== 'connected')
              return false;
          }
          return true;
        },
        'every replica to sync from the new master',
        30_000,
      );

      expect(['completed', 'rolled-back']).toContain(record.phase);
      for (const node of topology.nodes) {
        const client = topology.client(node.port, 'node', password);
        try {
          await client.connect();
          expect(await client.call('CONFIG', 'GET', 'masterauth')).toEqual([
            'masterauth',
            password,
          ]);
        } finally {
          client.disconnect();
        }
      }
    },
  );
});
