// Verdicts under real network partitions: three network namespaces (master, replica, replica,
// a sentinel in each) joined by a bridge, links cut with nftables, a sentinel hung with SIGSTOP.
// redis-ha runs here, in the root namespace. Root only: elsewhere the file skips itself and
// says why.
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileCluster, type ReconcileReport } from '../../functions/control/reconcile';
import { ReasonCode } from '../../functions/core/reason';
import {
  LAB_START_MAX_MS,
  PartitionLab,
  partitionSkipReason,
  REDIS_HA,
  stopPartitionLab,
  type Site,
} from '../support/partition';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  PASSWORD,
  PASSWORD_PARAMETER,
  UNTIMED_STEPS_MS,
} from '../support/topology';

if (partitionSkipReason) console.log(`partition tests skipped: ${partitionSkipReason}`);

const harness = new Harness();
afterEach(async () => {
  await stopPartitionLab();
  await harness.cleanup();
});

const MASTER_CHANGED = 'redis-ha.master.changed';

/** A lab, a store with the password, and one reconcile that confirmed site a's master. */
async function setUp() {
  const lab = await PartitionLab.start();
  const backend = harness.backend();
  await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  // Generous timeouts: a healthy sentinel on a busy machine must not count as cut.
  const cluster = clusterFor(lab, { timeouts: { connectMs: 1000, commandMs: 1000 } });
  const deps = controlDepsFor(backend);
  const [a, b, c] = lab.sites;
  const baseline = await reconcileCluster(cluster, deps);
  expect(baseline.verdict).toMatchObject({
    status: 'ok',
    isConfirmed: true,
    master: { host: a.host, port: a.node.port },
  });
  return {
    lab,
    backend,
    a,
    b,
    c,
    reconcile: () => reconcileCluster(cluster, deps),
    masterChanges: () =>
      backend.events.list({ limit: 1000 }).filter((e) => e.event.type === MASTER_CHANGED),
    addrParameter: async () => (await backend.parameters.get('/test/app/addr'))?.value,
  };
}

const codesOf = (report: ReconcileReport) => report.verdict.reasons.map((r) => r.code);

/** Fails unless `report` confirms `site`'s node as master and changed nothing. */
function expectUnchanged(report: ReconcileReport, site: Site) {
  expect(report.verdict).toMatchObject({
    isConfirmed: true,
    master: { host: site.host, port: site.node.port },
  });
  expect(report.parametersWritten).toEqual([]);
  expect(report.events.filter((e) => e.type === MASTER_CHANGED)).toEqual([]);
}

describe.skipIf(partitionSkipReason !== null)('partitions between network namespaces', () => {
  it(
    'reports the cut-off old master that still answers as master as a split brain, and moves the parameters once',
    async () => {
      const { lab, a, b, c, reconcile, masterChanges, addrParameter } = await setUp();

      lab.isolate(a);
      const promoted = await lab.waitForFailover(a, [b, c]);
      expect(await lab.roleOf(a)).toBe('master');
      const split = await reconcile();
      const again = await reconcile();

      const oldMaster = a.node.address;
      expect(split.verdict).toMatchObject({
        status: 'critical',
        isConfirmed: true,
        master: { host: promoted.host, port: promoted.node.port },
      });
      expect(split.verdict.reasons).toContainEqual(
        expect.objectContaining({
          code: ReasonCode.splitBrain,
          severity: 'critical',
          target: oldMaster,
        }),
      );
      expect(split.verdict.reasons.filter((r) => r.code === ReasonCode.splitBrain)).toHaveLength(1);
      expect([...split.parametersWritten].sort()).toEqual(['/test/app/addr', '/test/app/url']);
      expect(await addrParameter()).toBe(promoted.node.address);
      expect(again.verdict.reasons).toContainEqual(
        expect.objectContaining({ code: ReasonCode.splitBrain, target: oldMaster }),
      );
      expect(again.parametersWritten).toEqual([]);
      expect(masterChanges()).toHaveLength(1);
      expect(masterChanges()[0]?.event.data).toMatchObject({
        previous: oldMaster,
        current: promoted.node.address,
      });

      // Healed, the sentinels turn the old master into a replica: the split brain ends, and
      // nothing moves again.
      lab.heal();
      await eventually(
        async () => (await lab.roleOf(a)) === 'slave',
        'the old master to be demoted',
        30_000,
      );
      const healed = await reconcile();
      expect(codesOf(healed)).not.toContain(ReasonCode.splitBrain);
      expectUnchanged(healed, promoted);
      expect(masterChanges()).toHaveLength(1);
      expect(await addrParameter()).toBe(promoted.node.address);
      // Its waits: the lab, the failover (30 s) and the old master's demotion (30 s).
    },
    LAB_START_MAX_MS + 30_000 + 30_000 + UNTIMED_STEPS_MS,
  );

  it('calls a replica site cut off from the other two degraded, naming its sentinel, and changes nothing', async () => {
    const { lab, a, b, c, reconcile, masterChanges, addrParameter } = await setUp();

    lab.isolate(c);
    await eventually(async () => !(await lab.hasQuorum(c)), "site c's sentinel to lose its quorum");
    expect(await lab.hasQuorum(a)).toBe(true);
    expect(await lab.hasQuorum(b)).toBe(true);
    const report = await reconcile();

    expect(report.verdict.status).toBe('degraded');
    expect(report.verdict.reasons).toContainEqual(
      expect.objectContaining({
        code: ReasonCode.sentinelNoQuorum,
        severity: 'degraded',
        target: c.sentinel.address,
      }),
    );
    expect(codesOf(report)).not.toContain(ReasonCode.quorumLost);
    expectUnchanged(report, a);
    expect(masterChanges()).toEqual([]);
    expect(await addrParameter()).toBe(a.node.address);
  });

  it('calls one sentinel that redis-ha cannot reach degraded and still confirms the master', async () => {
    const { lab, a, c, reconcile, masterChanges, addrParameter } = await setUp();

    lab.cut(REDIS_HA, c);
    const report = await reconcile();

    expect(report.verdict.status).toBe('degraded');
    expect(report.verdict.reasons).toContainEqual(
      expect.objectContaining({
        code: ReasonCode.sentinelUnreachable,
        severity: 'degraded',
        target: c.sentinel.address,
      }),
    );
    expect(
      report.verdict.reasons.find((r) => r.code === ReasonCode.sentinelUnreachable)?.message,
    ).toMatch(/timed out after \d+ ms/);
    expect(report.verdict.sentinelsAnswering).toBe(2);
    expectUnchanged(report, a);
    expect(masterChanges()).toEqual([]);
    expect(await addrParameter()).toBe(a.node.address);
  });

  it('calls two sentinels that redis-ha cannot reach critical, confirms no master and moves nothing', async () => {
    const { lab, a, b, c, reconcile, masterChanges, addrParameter } = await setUp();

    lab.cut(REDIS_HA, b);
    lab.cut(REDIS_HA, c);
    const report = await reconcile();

    expect(report.verdict).toMatchObject({
      status: 'critical',
      isConfirmed: false,
      sentinelsAnswering: 1,
    });
    for (const site of [b, c])
      expect(report.verdict.reasons).toContainEqual(
        expect.objectContaining({
          code: ReasonCode.sentinelUnreachable,
          target: site.sentinel.address,
        }),
      );
    expect(codesOf(report)).toContain(ReasonCode.noMajority);
    expect(report.parametersWritten).toEqual([]);
    expect(report.events.filter((e) => e.type === MASTER_CHANGED)).toEqual([]);
    expect(masterChanges()).toEqual([]);
    expect(await addrParameter()).toBe(a.node.address);
  });

  it('counts a hung (SIGSTOPped) sentinel as timed out, never as a lost quorum or missing sentinels', async () => {
    const { lab, a, b, c, reconcile, masterChanges } = await setUp();

    lab.signal(c.sentinel, 'SIGSTOP');
    const hung = await reconcile();
    // Once the other sentinels see it down too, their own answers must stay healthy.
    await eventually(
      async () =>
        (await lab.sentinelFlags(a, c)).includes('s_down') &&
        (await lab.sentinelFlags(b, c)).includes('s_down'),
      "the other sentinels to see site c's sentinel down",
    );
    const known = await reconcile();

    for (const report of [hung, known]) {
      expect(report.verdict.status).toBe('degraded');
      expect(report.verdict.sentinelsAnswering).toBe(2);
      const unreachable = report.verdict.reasons.filter(
        (r) => r.code === ReasonCode.sentinelUnreachable,
      );
      expect(unreachable).toEqual([
        expect.objectContaining({ severity: 'degraded', target: c.sentinel.address }),
      ]);
      expect(unreachable[0]?.message).toMatch(/timed out after \d+ ms/);
      expect(codesOf(report)).not.toContain(ReasonCode.quorumLost);
      expect(codesOf(report)).not.toContain(ReasonCode.sentinelsMissing);
      expectUnchanged(report, a);
    }
    expect(masterChanges()).toEqual([]);
  });
});
