// Probe verdicts under faults a user meets, against real sentinels: a hung (SIGSTOPped)
// sentinel, a reply that is only partly late, TILT, a mistyped master name, a store without the
// password parameter. The shared topology is only read; faults get a topology of their own.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IoredisGateway } from '../../functions/adapters/redis/ioredis-gateway';
import { reconcileCluster } from '../../functions/control/reconcile';
import type { RedisGateway } from '../../functions/core/ports';
import type { SentinelCluster } from '../../functions/core/inventory';
import { startStallProxy, type StallProxy } from '../support/stall-proxy';
import {
  CLUSTER_TIMEOUT_MS,
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  runCli,
  writeInventory,
  type Topology,
} from '../support/topology';

const shared = new Harness();
const harness = new Harness();
let topology: Topology;
afterAll(() => shared.cleanup());
afterEach(() => harness.cleanup());
beforeAll(async () => {
  topology = await shared.topology();
});

async function probeWith(cluster: SentinelCluster, options: { hasPassword?: boolean } = {}) {
  const backend = harness.backend();
  if (options.hasPassword ?? true)
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  const deps = controlDepsFor(backend);
  return { report: await reconcileCluster(cluster, deps), backend, deps };
}

const SENTINEL_PASSWORD = 'Sentinel-Pw-1a2b3c4d5e6f7a8b9c';
const SENTINEL_PARAMETER = '/test/redis/sentinel-password';

/** The real gateway, counting the sentinels it is asked to dial. */
function countingGateway(): { gateway: RedisGateway; sentinelsDialled: () => number } {
  const real = new IoredisGateway();
  let dialled = 0;
  return {
    gateway: {
      querySentinel: (...args) => {
        dialled += 1;
        return real.querySentinel(...args);
      },
      queryRole: (...args) => real.queryRole(...args),
      run: (...args) => real.run(...args),
      subscribe: (...args) => real.subscribe(...args),
    },
    sentinelsDialled: () => dialled,
  };
}

/** ROLE calls (run or refused) a data node has seen since it started. */
async function roleCalls(of: Topology): Promise<number> {
  let total = 0;
  for (const node of of.nodes) {
    const stats = String(await of.call(node.port, 'node', 'INFO', 'commandstats'));
    const line = /^cmdstat_role:(.*)$/m.exec(stats)?.[1] ?? '';
    total += Number(/(?:^|,)calls=(\d+)/.exec(line)?.[1] ?? 0);
    total += Number(/rejected_calls=(\d+)/.exec(line)?.[1] ?? 0);
  }
  return total;
}

describe('probe under sentinel faults', () => {
  it('reports a SIGSTOPped sentinel without a password as not answering, and `probe --json` exits 1', async () => {
    const own = await harness.topology();
    const dir = harness.tempDir();
    const store = join(dir, 'store');
    const backend = harness.backend(dir);
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const inventory = writeInventory(dir, inventoryFor(own));
    const hung = own.sentinels[2];
    if (!hung) throw new Error('no sentinel');

    own.signal(hung, 'SIGSTOP');
    let result;
    try {
      result = await runCli(['probe', '--json', '-i', inventory, '--store', store]);
    } finally {
      own.signal(hung, 'SIGCONT');
    }

    expect(result.code).toBe(1);
    const [report] = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(report).toMatchObject({
      status: 'degraded',
      isConfirmed: true,
      sentinels: { configured: 3, answering: 2 },
      reasons: [
        {
          code: 'SENTINEL_UNREACHABLE',
          severity: 'degraded',
          target: `127.0.0.1:${hung.port}`,
          message: `sentinel 127.0.0.1:${hung.port} did not answer: timed out after ${CLUSTER_TIMEOUT_MS} ms`,
        },
      ],
    });
  });

  it.each([
    ['SENTINEL MASTER', 'MASTER'],
    ['SENTINEL CKQUORUM', 'CKQUORUM'],
    ['INFO', 'INFO'],
  ])(
    'counts a sentinel whose replies are late from %s on as not answering, never as a lost quorum or missing sentinels',
    async (_label, stallAt) => {
      const target = topology.sentinels[2];
      if (!target) throw new Error('no sentinel');
      const proxy: StallProxy = await startStallProxy(target.port, (words) =>
        stallAt === 'INFO'
          ? words[0]?.toUpperCase() === 'INFO'
          : words[0]?.toUpperCase() === 'SENTINEL' && words[1]?.toUpperCase() === stallAt,
      );
      try {
        const sentinels = [...topology.sentinelAddresses.slice(0, 2), `127.0.0.1:${proxy.port}`];
        const { report } = await probeWith(clusterFor(topology, { sentinels }));

        expect(report.verdict).toMatchObject({
          status: 'degraded',
          isConfirmed: true,
          sentinelsAnswering: 2,
        });
        expect(report.verdict.reasons).toEqual([
          expect.objectContaining({
            code: 'SENTINEL_UNREACHABLE',
            target: `127.0.0.1:${proxy.port}`,
            message: expect.stringContaining(`timed out after ${CLUSTER_TIMEOUT_MS} ms`),
          }),
        ]);
      } finally {
        await proxy.close();
      }
    },
  );

  it('says the connection was reset when a sentinel resets it part-way through the pipeline', async () => {
    const target = topology.sentinels[2];
    if (!target) throw new Error('no sentinel');
    const proxy = await startStallProxy(
      target.port,
      (words) => words[0]?.toUpperCase() === 'SENTINEL' && words[1]?.toUpperCase() === 'CKQUORUM',
      { reset: true },
    );
    try {
      const sentinels = [...topology.sentinelAddresses.slice(0, 2), `127.0.0.1:${proxy.port}`];
      const { report } = await probeWith(clusterFor(topology, { sentinels }));

      expect(report.verdict.reasons).toEqual([
        expect.objectContaining({
          code: 'SENTINEL_UNREACHABLE',
          message: `sentinel 127.0.0.1:${proxy.port} did not answer: connection reset`,
        }),
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('reports a mistyped master name once, naming the master the sentinels do monitor', async () => {
    const { report } = await probeWith(clusterFor(topology, { masterName: 'mymastr' }));

    expect(report.verdict).toMatchObject({ status: 'critical', isConfirmed: false });
    expect(report.verdict.reasons).toEqual([
      {
        code: 'MASTER_UNKNOWN',
        severity: 'critical',
        message: 'no sentinel monitors "mymastr"; they monitor "mymaster"',
      },
    ]);
  });

  it('names a missing password parameter and never dials a data node without it', async () => {
    const rolesBefore = await roleCalls(topology);

    const { report, backend } = await probeWith(clusterFor(topology), { hasPassword: false });

    expect(await roleCalls(topology)).toBe(rolesBefore);
    expect(report.verdict).toMatchObject({ status: 'critical', isConfirmed: false });
    expect(report.verdict.reasons).toEqual([
      expect.objectContaining({
        code: 'PASSWORD_MISSING',
        severity: 'critical',
        target: PASSWORD_PARAMETER,
        message: expect.stringContaining(`redis-ha params put ${PASSWORD_PARAMETER} --secure`),
      }),
    ]);
    expect(await backend.parameters.get('/test/app/addr')).toBeUndefined();
  });

  it('names a missing sentinels password parameter and never dials a sentinel without it', async () => {
    const own = await harness.topology({ sentinelPassword: SENTINEL_PASSWORD });
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const { gateway, sentinelsDialled } = countingGateway();
    const cluster = clusterFor(own, { sentinelPasswordParameter: SENTINEL_PARAMETER });

    const report = await reconcileCluster(cluster, controlDepsFor(backend, { gateway }));

    expect(sentinelsDialled()).toBe(0);
    expect(report.verdict).toMatchObject({
      status: 'critical',
      isConfirmed: false,
      sentinelsAnswering: 0,
    });
    expect(report.verdict.reasons).toEqual([
      expect.objectContaining({ code: 'PASSWORD_MISSING', target: SENTINEL_PARAMETER }),
    ]);
  });

  it('tells a user probing an empty store which parameter and which store, and exits 2', async () => {
    const dir = harness.tempDir();
    const store = join(dir, 'mistyped-store');
    const inventory = writeInventory(dir, inventoryFor(topology));

    const result = await runCli(['probe', '-i', inventory, '--store', store]);

    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^test\s+CRITICAL\s.*PASSWORD_MISSING$/m);
    expect(result.stdout).toContain(`redis-ha params put ${PASSWORD_PARAMETER} --secure`);
    expect(result.stdout).toContain(`(store read: ${store})`);
    expect(result.stdout).not.toContain('AUTH_FAILED');
  });

  it('calls one sentinel failing CKQUORUM degraded and names it, and two of three critical', async () => {
    const own = await harness.topology();
    const [s1, s2, s3] = own.sentinels;
    if (!s1 || !s2 || !s3) throw new Error('no sentinels');
    const cluster = clusterFor(own);
    // A reset sentinel forgets its peers and relearns them only from their next hello: with
    // hellos every 60 s it stays alone, and its CKQUORUM fails, for the length of the test.
    for (const sentinel of own.sentinels)
      await own.call(sentinel.port, 'sentinel', 'SENTINEL', 'DEBUG', 'publish-period', '60000');
    const passesCkquorum = (port: number) =>
      own.call(port, 'sentinel', 'SENTINEL', 'CKQUORUM', own.masterName).then(
        () => true,
        () => false,
      );
    const forget = async (port: number) => {
      await own.call(port, 'sentinel', 'SENTINEL', 'RESET', own.masterName);
      await own.waitFor(async () => !(await passesCkquorum(port)), `${port} to fail CKQUORUM`);
    };

    await forget(s3.port);
    const minority = (await probeWith(cluster)).report;
    await forget(s2.port);
    const majority = (await probeWith(cluster)).report;

    expect(minority.verdict).toMatchObject({ status: 'degraded', isConfirmed: true });
    expect(minority.verdict.reasons).toContainEqual({
      code: 'SENTINEL_NO_QUORUM',
      severity: 'degraded',
      target: `127.0.0.1:${s3.port}`,
      message: expect.stringContaining('NOQUORUM'),
    });
    expect(minority.verdict.reasons.map((r) => r.code)).not.toContain('QUORUM_LOST');
    expect(majority.verdict.status).toBe('critical');
    expect(majority.verdict.reasons).toContainEqual(
      expect.objectContaining({
        code: 'QUORUM_LOST',
        severity: 'critical',
        message: expect.stringMatching(/^1 of 3 configured sentinels pass CKQUORUM, 2 needed/),
      }),
    );
  });

  it('reports a sentinel in TILT mode after it was stopped and resumed', async () => {
    const own = await harness.topology();
    const paused = own.sentinels[2];
    const [peer] = own.sentinels;
    if (!paused || !peer) throw new Error('no sentinel');
    const cluster = clusterFor(own);
    // TILT starts when the sentinel's timer ran late by more than tilt-trigger; the peers'
    // s_down flag (after down-after 1000 ms) then proves it was paused longer than that.
    await own.call(paused.port, 'sentinel', 'SENTINEL', 'DEBUG', 'tilt-trigger', '500');
    own.signal(paused, 'SIGSTOP');
    try {
      await own.waitFor(async () => {
        const peers = (await own.call(
          peer.port,
          'sentinel',
          'SENTINEL',
          'SENTINELS',
          own.masterName,
        )) as string[][];
        return peers.some(
          (fields) =>
            fields[fields.indexOf('port') + 1] === String(paused.port) &&
            (fields[fields.indexOf('flags') + 1] ?? '').includes('s_down'),
        );
      }, 'the peers to see the paused sentinel down');
    } finally {
      own.signal(paused, 'SIGCONT');
    }

    const report = await eventually(async () => {
      const { report: r } = await probeWith(cluster);
      return r.verdict.reasons.some((reason) => reason.code === 'SENTINEL_TILT') && r;
    }, 'SENTINEL_TILT');

    expect(report.verdict.status).toBe('degraded');
    expect(report.verdict.reasons).toContainEqual({
      code: 'SENTINEL_TILT',
      severity: 'degraded',
      target: `127.0.0.1:${paused.port}`,
      message: expect.stringContaining('TILT mode'),
    });
  });
});
