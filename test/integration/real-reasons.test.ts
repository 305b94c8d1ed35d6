// Reason codes produced by real sentinels in the state the code names, not by hand-built
// observations: a master objectively down, a failover stuck in progress, a sentinel cloned with
// another's myid, a master name nobody monitors, and sentinels pointed at a replica.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileCluster, type ReconcileReport } from '../../functions/control/reconcile';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  PASSWORD,
  PASSWORD_PARAMETER,
  TOPOLOGY_START_MAX_MS,
  UNTIMED_STEPS_MS,
  type Topology,
} from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());

async function setUp(topology: Topology, overrides: Record<string, unknown> = {}) {
  const backend = harness.backend();
  await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  const cluster = clusterFor(topology, overrides);
  const deps = controlDepsFor(backend);
  return { backend, reconcile: () => reconcileCluster(cluster, deps) };
}

const withCode = (report: ReconcileReport, code: string) =>
  report.verdict.reasons.filter((r) => r.code === code);

/** Reconciles until `isSeen` holds for a report, and returns that report. */
function probeUntil(
  reconcile: () => Promise<ReconcileReport>,
  isSeen: (report: ReconcileReport) => boolean,
  what: string,
): Promise<ReconcileReport> {
  return eventually(async () => {
    const report = await reconcile();
    return isSeen(report) && report;
  }, what);
}

async function sentinelMaster(topology: Topology, port: number): Promise<Map<string, string>> {
  const reply = (await topology.call(
    port,
    'sentinel',
    'SENTINEL',
    'MASTER',
    topology.masterName,
  )) as string[];
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), String(reply[i + 1]));
  return fields;
}

describe('reason codes from real sentinels', () => {
  it('reports MASTER_DOWN as critical once the sentinels agree that a master without replicas is objectively down', async () => {
    // No replica to promote: the failover aborts and o_down stays.
    const topology = await harness.topology({ replicas: 0, failoverTimeoutMs: 60_000 });
    const { backend, reconcile } = await setUp(topology);
    const master = topology.nodes[0];
    if (!master) throw new Error('no master');
    await reconcile();

    await topology.kill(master);
    const report = await probeUntil(
      reconcile,
      (r) => withCode(r, 'MASTER_DOWN').some((reason) => reason.severity === 'critical'),
      'a sentinel to flag the master o_down',
    );

    expect(report.verdict).toMatchObject({
      status: 'critical',
      isConfirmed: false,
      master: { port: master.port },
    });
    for (const reason of withCode(report, 'MASTER_DOWN'))
      expect(topology.sentinelAddresses).toContain(reason.target);
    expect(report.parametersWritten).toEqual([]);
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(
      `127.0.0.1:${master.port}`,
    );
  });

  it('reports FAILOVER_IN_PROGRESS while the sentinels wait for a replica that refuses to be promoted', async () => {
    const topology = await harness.topology({ failoverTimeoutMs: 60_000 });
    const { backend, reconcile } = await setUp(topology);
    const [master, ...replicas] = topology.nodes;
    if (!master) throw new Error('no master');
    await reconcile();
    // The sentinels log in as the default user: without REPLICAOF/SLAVEOF their promotion
    // (MULTI, SLAVEOF NO ONE, ..., EXEC) aborts and they wait out the failover timeout.
    for (const replica of replicas)
      await topology.call(
        replica.port,
        'node',
        'ACL',
        'SETUSER',
        'default',
        '-slaveof',
        '-replicaof',
      );

    await topology.kill(master);
    const report = await probeUntil(
      reconcile,
      (r) => withCode(r, 'FAILOVER_IN_PROGRESS').length > 0,
      'a sentinel to report failover_in_progress',
    );

    const [reason] = withCode(report, 'FAILOVER_IN_PROGRESS');
    expect(reason?.severity).toBe('degraded');
    expect(topology.sentinelAddresses).toContain(reason?.target);
    const flags = (await sentinelMaster(topology, Number(reason?.target?.split(':')[1]))).get(
      'flags',
    );
    expect(flags?.split(',')).toContain('failover_in_progress');
    expect(report.verdict).toMatchObject({ status: 'critical', isConfirmed: false });
    expect(report.parametersWritten).toEqual([]);
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(
      `127.0.0.1:${master.port}`,
    );
  });

  it(
    'reports SENTINELS_MISSING when a sentinel was cloned with another sentinel myid, so each knows one other',
    async () => {
      const topology = await harness.topology();
      const { reconcile } = await setUp(topology);
      const [s1, s2, s3] = topology.sentinels;
      if (!s1 || !s2 || !s3) throw new Error('topology incomplete');
      const clonedId = String(await topology.call(s2.port, 'sentinel', 'SENTINEL', 'MYID'));
      expect((await reconcile()).verdict.status).toBe('ok');

      await topology.kill(s3);
      writeFileSync(
        s3.configFile,
        readFileSync(s3.configFile, 'utf8').replace(
          /^sentinel myid \S+$/m,
          `sentinel myid ${clonedId}`,
        ),
        { mode: 0o600 },
      );
      await topology.restart(s3);
      expect(await topology.call(s3.port, 'sentinel', 'SENTINEL', 'MYID')).toBe(clonedId);
      // Replicas come back with the master's next INFO, which a sentinel asks every 10 s.
      for (const sentinel of topology.sentinels)
        await topology.call(sentinel.port, 'sentinel', 'SENTINEL', 'RESET', topology.masterName);
      await eventually(
        async () => {
          for (const sentinel of topology.sentinels) {
            const fields = await sentinelMaster(topology, sentinel.port);
            if (fields.get('num-other-sentinels') !== '1' || fields.get('num-slaves') !== '2')
              return false;
          }
          return true;
        },
        'each sentinel to rediscover one other sentinel and both replicas',
        40_000,
      );
      const report = await probeUntil(
        reconcile,
        (r) => withCode(r, 'SENTINELS_MISSING').length === 3,
        'SENTINELS_MISSING from every sentinel',
      );

      expect(report.verdict).toMatchObject({
        status: 'degraded',
        isConfirmed: true,
        master: { port: topology.nodes[0]?.port },
      });
      expect(
        withCode(report, 'SENTINELS_MISSING')
          .map((r) => r.target)
          .sort(),
      ).toEqual([...topology.sentinelAddresses].sort());
      // Its waits: the topology, s3's restart (15 s), the rediscovery (40 s), the probes (20 s).
    },
    TOPOLOGY_START_MAX_MS + 15_000 + 40_000 + 20_000 + UNTIMED_STEPS_MS,
  );

  it('reports MASTER_UNKNOWN and writes nothing when no sentinel monitors the inventory masterName', async () => {
    const topology = await harness.topology();
    const { backend, reconcile } = await setUp(topology, { masterName: 'no-such-master' });

    const report = await reconcile();

    expect(report.verdict).toMatchObject({
      status: 'critical',
      isConfirmed: false,
      master: null,
      sentinelsAnswering: 3,
    });
    expect(withCode(report, 'MASTER_UNKNOWN')).toHaveLength(1);
    expect(withCode(report, 'MASTER_UNKNOWN')[0]?.severity).toBe('critical');
    expect(report.parametersWritten).toEqual([]);
    expect(await backend.parameters.get('/test/app/addr')).toBeUndefined();
  });

  it('reports MASTER_NOT_MASTER when every sentinel names a node that answers ROLE as a replica, and keeps the parameters', async () => {
    const topology = await harness.topology();
    const { backend, reconcile } = await setUp(topology);
    const [master, replica] = topology.nodes;
    if (!master || !replica) throw new Error('topology incomplete');
    await reconcile();

    for (const sentinel of topology.sentinels) {
      const call = (...args: string[]) => topology.call(sentinel.port, 'sentinel', ...args);
      await call('SENTINEL', 'REMOVE', topology.masterName);
      await call(
        'SENTINEL',
        'MONITOR',
        topology.masterName,
        '127.0.0.1',
        String(replica.port),
        '2',
      );
      await call('SENTINEL', 'SET', topology.masterName, 'auth-pass', PASSWORD);
    }
    const report = await reconcile();

    expect(report.verdict).toMatchObject({
      status: 'critical',
      isConfirmed: false,
      master: { port: replica.port },
    });
    expect(withCode(report, 'MASTER_NOT_MASTER')).toEqual([
      expect.objectContaining({ severity: 'critical', target: `127.0.0.1:${replica.port}` }),
    ]);
    expect(report.events.map((e) => e.type)).not.toContain('redis-ha.master.changed');
    expect(report.parametersWritten).toEqual([]);
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(
      `127.0.0.1:${master.port}`,
    );
  });
});
