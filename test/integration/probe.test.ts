// Probe verdicts against real topologies: healthy, sentinels down, disagreement, bad password,
// replica down and lagging. Each destructive case gets a topology of its own.
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileCluster } from '../../functions/control/reconcile';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  PASSWORD,
  PASSWORD_PARAMETER,
  type Topology,
} from '../support/topology';
import { expectNoSecret } from '../support/secrets';

const harness = new Harness();
afterEach(() => harness.cleanup());

async function setUp(overrides: Record<string, unknown> = {}, password = PASSWORD) {
  const topology = await harness.topology();
  const backend = harness.backend();
  await backend.parameters.put(PASSWORD_PARAMETER, password, { isSecure: true });
  // Verdicts and what one probe publishes (at once: no probe count, no time floor); alert
  // hysteresis has tests of its own.
  const cluster = clusterFor(topology, {
    alertHysteresis: { probes: 1, seconds: 0 },
    ...overrides,
  });
  const deps = controlDepsFor(backend);
  return { topology, backend, cluster, deps, reconcile: () => reconcileCluster(cluster, deps) };
}

const codes = (report: { verdict: { reasons: readonly { code: string }[] } }) =>
  [...new Set(report.verdict.reasons.map((r) => r.code))].sort();

async function remonitor(
  topology: Topology,
  sentinelPort: number,
  masterPort: number,
): Promise<void> {
  const name = topology.masterName;
  await topology.call(sentinelPort, 'sentinel', 'SENTINEL', 'REMOVE', name);
  await topology.call(
    sentinelPort,
    'sentinel',
    'SENTINEL',
    'MONITOR',
    name,
    '127.0.0.1',
    String(masterPort),
    '2',
  );
  await topology.call(sentinelPort, 'sentinel', 'SENTINEL', 'SET', name, 'auth-pass', PASSWORD);
}

describe('probe against real sentinels', () => {
  it('confirms a healthy master, writes the platform parameters once, and stays quiet after', async () => {
    const { topology, backend, reconcile } = await setUp();
    const master = topology.nodes[0]?.port;

    const first = await reconcile();
    const second = await reconcile();

    expect(first.verdict).toMatchObject({
      status: 'ok',
      isConfirmed: true,
      master: { port: master },
      sentinelsAnswering: 3,
    });
    expect([...first.parametersWritten].sort()).toEqual([
      '/test/app/addr',
      '/test/app/sentinels',
      '/test/app/url',
    ]);
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(`127.0.0.1:${master}`);
    expect(await backend.parameters.get('/test/app/url')).toMatchObject({
      isSecure: true,
      value: `redis://:${PASSWORD}@127.0.0.1:${master}`,
    });
    expect((await backend.parameters.get('/test/app/sentinels'))?.value).toBe(
      `${topology.sentinelAddresses.join(',')}|${topology.masterName}|false`,
    );
    expect(first.events).toEqual([]);
    expect(second.events).toEqual([]);
    expect(second.parametersWritten).toEqual([]);
  });

  it('reports auth failed on a wrong password and never shows either password', async () => {
    const wrong = 'Wrong-Pw-0a1b2c3d4e5f6a7b8c';
    const { reconcile, deps, backend } = await setUp({}, wrong);

    const report = await reconcile();

    expect(report.verdict.status).toBe('critical');
    expect(report.verdict.isConfirmed).toBe(false);
    expect(codes(report)).toEqual(['AUTH_FAILED']);
    const everything =
      JSON.stringify(report) +
      deps.log.text() +
      JSON.stringify(backend.events.list({ limit: 100 }));
    expectNoSecret([everything], { 'wrong password': wrong, password: PASSWORD });
    expect(await backend.parameters.get('/test/app/addr')).toBeUndefined();
  });

  it('stays confirmed but degraded with one sentinel of three down, saying its connection was refused', async () => {
    const { topology, reconcile } = await setUp();
    const sentinel = topology.sentinels[2];
    if (!sentinel) throw new Error('no sentinel');
    await reconcile();
    await topology.kill(sentinel);

    const report = await reconcile();

    expect(report.verdict).toMatchObject({
      status: 'degraded',
      isConfirmed: true,
      sentinelsAnswering: 2,
    });
    expect(report.verdict.reasons).toEqual([
      {
        code: 'SENTINEL_UNREACHABLE',
        severity: 'degraded',
        target: `127.0.0.1:${sentinel.port}`,
        message: `sentinel 127.0.0.1:${sentinel.port} did not answer: connection refused`,
      },
    ]);
    expect(report.events.map((e) => e.type)).toEqual(['redis-ha.health.changed']);
  });

  it('loses quorum with two of three sentinels down and ignores a master named by the last one', async () => {
    const { topology, backend, reconcile } = await setUp();
    const [s1, s2, s3] = topology.sentinels;
    const [master, replica] = topology.nodes;
    if (!s1 || !s2 || !s3 || !master || !replica) throw new Error('topology incomplete');
    await reconcile();
    await topology.kill(s1);
    await topology.kill(s2);
    // The surviving sentinel is pointed at a replica promoted by hand: a real master, but named by a minority.
    await topology.call(replica.port, 'node', 'REPLICAOF', 'NO', 'ONE');
    await remonitor(topology, s3.port, replica.port);

    const report = await reconcile();

    expect(report.verdict.status).toBe('critical');
    expect(report.verdict.isConfirmed).toBe(false);
    expect(codes(report)).toEqual(
      expect.arrayContaining(['QUORUM_LOST', 'NO_MAJORITY', 'SENTINEL_UNREACHABLE', 'SPLIT_BRAIN']),
    );
    expect(report.events.map((e) => e.type)).not.toContain('redis-ha.master.changed');
    expect(report.parametersWritten).toEqual([]);
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(
      `127.0.0.1:${master.port}`,
    );
    expect((await backend.state.getClusterState('test'))?.master?.port).toBe(master.port);
  });

  it('reports sentinels that disagree, and changes nothing without a majority', async () => {
    const { topology, backend, reconcile } = await setUp();
    const [s1, s2, s3] = topology.sentinels;
    const [master, r1, r2] = topology.nodes;
    if (!s1 || !s2 || !s3 || !master || !r1 || !r2) throw new Error('topology incomplete');
    await reconcile();

    await remonitor(topology, s3.port, r1.port);
    const minority = await reconcile();
    await remonitor(topology, s2.port, r2.port);
    const split = await reconcile();

    expect(minority.verdict).toMatchObject({
      status: 'degraded',
      isConfirmed: true,
      master: { port: master.port },
    });
    expect(codes(minority)).toEqual(['SENTINELS_DISAGREE']);
    expect(minority.events.map((e) => e.type)).toEqual([
      'redis-ha.health.changed',
      'redis-ha.sentinels.disagree',
    ]);
    expect(split.verdict).toMatchObject({ status: 'critical', isConfirmed: false });
    expect(codes(split)).toEqual(expect.arrayContaining(['SENTINELS_DISAGREE', 'NO_MAJORITY']));
    expect(split.events.map((e) => e.type)).toContain('redis-ha.sentinels.disagree');
    expect(split.parametersWritten).toEqual([]);
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(
      `127.0.0.1:${master.port}`,
    );
  });

  it('reports a replica that is down', async () => {
    const { topology, reconcile } = await setUp();
    const replica = topology.nodes[1];
    if (!replica) throw new Error('no replica');
    await reconcile();
    await topology.kill(replica);

    const report = await eventually(async () => {
      const r = await reconcile();
      return codes(r).includes('REPLICA_DOWN') && r;
    }, 'REPLICA_DOWN');

    expect(report.verdict).toMatchObject({ status: 'degraded', isConfirmed: true });
    expect(report.verdict.reasons.find((r) => r.code === 'REPLICA_DOWN')?.target).toBe(
      `127.0.0.1:${replica.port}`,
    );
  });

  it('reports a replica whose acknowledged offset trails the master beyond the threshold', async () => {
    const { topology, reconcile } = await setUp({ thresholds: { maxReplicationLagBytes: 4096 } });
    const [master, replica] = topology.nodes;
    if (!master || !replica) throw new Error('topology incomplete');
    expect((await reconcile()).verdict.status).toBe('ok');

    topology.signal(replica, 'SIGSTOP');
    try {
      await topology.call(master.port, 'node', 'SET', 'lag-test', 'x'.repeat(64 * 1024));
      const report = await reconcile();

      expect(report.verdict.status).toBe('degraded');
      expect(codes(report)).toContain('REPLICATION_LAG');
      // The healthy replica may show lag too until its next once-a-second REPLCONF ACK.
      expect(report.verdict.reasons.filter((r) => r.code === 'REPLICATION_LAG')).toContainEqual(
        expect.objectContaining({
          target: `127.0.0.1:${replica.port}`,
          message: expect.stringMatching(/trails the master by \d+ bytes \(limit 4096\)/),
        }),
      );
    } finally {
      topology.signal(replica, 'SIGCONT');
    }
  });
});
