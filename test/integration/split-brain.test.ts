// Split brain against real processes: a node other than the sentinels' master that answers
// ROLE master is reported critical and named, while parameters follow only the confirmed
// master. Sentinels would demote such a node after a while (+convert-to-slave); the tests deny
// it SLAVEOF/REPLICAOF by ACL, as a partition between them would, so the state holds.
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileCluster } from '../../functions/control/reconcile';
import { SENTINEL_CONVERT_GRACE_MS } from '../../functions/core/data-node-rules';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  PASSWORD,
  PASSWORD_PARAMETER,
  TOPOLOGY_START_MAX_MS,
  UNTIMED_STEPS_MS,
  waitForFailover,
  type Topology,
} from '../support/topology';

const harness = new Harness();

/** The convert grace, and room for the sentinels to notice the role (INFO every 10 s). */
const SPLIT_BRAIN_WAIT_MS = SENTINEL_CONVERT_GRACE_MS + 20_000;
afterEach(() => harness.cleanup());

async function setUp() {
  const topology = await harness.topology();
  const backend = harness.backend();
  await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  const cluster = clusterFor(topology);
  const deps = controlDepsFor(backend);
  return {
    topology,
    backend,
    reconcile: (isReadOnly = false) => reconcileCluster(cluster, deps, { isReadOnly }),
  };
}

/** The sentinels reconfigure a node with SLAVEOF (in a MULTI): refuse it on that node. */
async function keepSentinelsFromDemoting(topology: Topology, port: number): Promise<void> {
  await topology.call(port, 'node', 'ACL', 'SETUSER', 'default', '-slaveof', '-replicaof');
}

const role = async (topology: Topology, port: number) =>
  ((await topology.call(port, 'node', 'ROLE')) as unknown[])[0];

describe('split brain', () => {
  it('names a replica promoted by hand as SPLIT_BRAIN and leaves the parameters on the confirmed master', async () => {
    const { topology, backend, reconcile } = await setUp();
    const [master, , promoted] = topology.nodes;
    if (!master || !promoted) throw new Error('topology incomplete');
    await reconcile();

    await topology.call(promoted.port, 'node', 'REPLICAOF', 'NO', 'ONE');
    await keepSentinelsFromDemoting(topology, promoted.port);
    const report = await reconcile();

    expect(await role(topology, promoted.port)).toBe('master');
    expect(report.verdict).toMatchObject({
      status: 'critical',
      isConfirmed: true,
      master: { port: master.port },
    });
    // One reason for the node: it is not also reported as a down replica.
    expect(report.verdict.reasons).toEqual([
      {
        code: 'SPLIT_BRAIN',
        severity: 'critical',
        target: `127.0.0.1:${promoted.port}`,
        message: expect.stringContaining(
          `node 127.0.0.1:${promoted.port} answers ROLE master while the sentinels' majority names 127.0.0.1:${master.port}: writes it accepts will be lost`,
        ),
      },
    ]);
    expect(report.events.map((e) => [e.type, e.severity])).toEqual([
      ['redis-ha.health.changed', 'critical'],
    ]);
    expect(report.parametersWritten).toEqual([]);
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(
      `127.0.0.1:${master.port}`,
    );
  });

  it(
    'names the old master still answering as master after a failover, also once the sentinels forgot it',
    async () => {
      const { topology, backend, reconcile } = await setUp();
      const [old] = topology.nodes;
      if (!old) throw new Error('topology incomplete');
      await reconcile();
      await keepSentinelsFromDemoting(topology, old.port);

      // Paused, the old master misses the failover and comes back believing it is the master.
      topology.signal(old, 'SIGSTOP');
      let promotedPort: number;
      try {
        promotedPort = await waitForFailover(topology, old.port);
      } finally {
        topology.signal(old, 'SIGCONT');
      }
      const oldTarget = `127.0.0.1:${old.port}`;
      const hasSplitBrain = (r: Awaited<ReturnType<typeof reconcile>>) =>
        r.verdict.reasons.some(
          (reason) => reason.code === 'SPLIT_BRAIN' && reason.target === oldTarget,
        );

      // Read-only: the sentinels list the old master among the replicas. Once they reach it
      // again they try to convert it (denied), which counts as a failover's tail, not a split
      // brain, until SENTINEL_CONVERT_GRACE_MS.
      const seen = await eventually(
        async () => {
          const r = await reconcile(true);
          return r.verdict.isConfirmed && hasSplitBrain(r) && r;
        },
        'SPLIT_BRAIN for the old master',
        SPLIT_BRAIN_WAIT_MS,
      );
      expect(await role(topology, old.port)).toBe('master');
      expect(seen.verdict).toMatchObject({ status: 'critical', master: { port: promotedPort } });

      // Sentinels reset once the failover is over everywhere (a reset mid-failover would bring
      // the old master back as the minority's master): then only the state names the old master.
      await topology.waitFor(async () => {
        for (const sentinel of topology.sentinels) {
          const record = (await topology.call(
            sentinel.port,
            'sentinel',
            'SENTINEL',
            'MASTER',
            topology.masterName,
          )) as string[];
          const field = (name: string) => record[record.indexOf(name) + 1] ?? '';
          if (field('port') !== String(promotedPort) || field('flags').includes('failover'))
            return false;
        }
        return true;
      }, 'every sentinel to finish the failover');
      for (const sentinel of topology.sentinels)
        await topology.call(sentinel.port, 'sentinel', 'SENTINEL', 'RESET', topology.masterName);
      await topology.waitFor(async () => {
        for (const sentinel of topology.sentinels) {
          const replicas = (await topology.call(
            sentinel.port,
            'sentinel',
            'SENTINEL',
            'REPLICAS',
            topology.masterName,
          )) as string[][];
          if (replicas.some((r) => r[r.indexOf('port') + 1] === String(old.port))) return false;
        }
        return true;
      }, 'the sentinels to forget the old master');
      const report = await eventually(async () => {
        const r = await reconcile();
        return r.verdict.isConfirmed && r;
      }, 'a confirmed master after the reset');

      expect(hasSplitBrain(report)).toBe(true);
      expect(report.verdict.master?.port).toBe(promotedPort);
      expect(report.events.map((e) => e.type)).toContain('redis-ha.master.changed');
      expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(
        `127.0.0.1:${promotedPort}`,
      );
      // Its waits: the topology, the failover (30 s), the read-only split brain, the end of the
      // failover (15 s), the reset (15 s) and the confirmed master after it (20 s).
    },
    TOPOLOGY_START_MAX_MS +
      30_000 +
      SPLIT_BRAIN_WAIT_MS +
      15_000 +
      15_000 +
      20_000 +
      UNTIMED_STEPS_MS,
  );
});
