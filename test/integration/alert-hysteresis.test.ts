// Alert hysteresis under a real watch with 2 probes and no time floor: a replica that
// is back before a second probe sees it gone publishes nothing; one that stays down publishes
// one health.changed. Probes are driven by hand (periodic probe far away, sentinels' down-after
// long) so that the number of probes, not the machine's speed, decides.
import { afterEach, describe, expect, it } from 'vitest';
import type { ReconcileReport } from '../../functions/control/reconcile';
import { Watcher } from '../../functions/control/watcher';
import type { SentinelCluster } from '../../functions/core/inventory';
import {
  controlDepsFor,
  eventually,
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
} from '../support/topology';

const harness = new Harness();
const watchers: Watcher[] = [];
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.stop()));
  await harness.cleanup();
});

describe('alert hysteresis', () => {
  it('publishes nothing for a replica restarted before a second probe, and one event for a replica that stays down', async () => {
    const topology = await harness.topology({ downAfterMs: 120_000 });
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    // No time floor: probes are driven by hand, milliseconds apart.
    const inventory = inventoryFor(topology, { alertHysteresis: { probes: 2, seconds: 0 } });
    const cluster = inventory.clusters[0] as SentinelCluster;
    const [master, replica] = topology.nodes;
    if (!master || !replica) throw new Error('topology incomplete');
    const reports: ReconcileReport[] = [];
    const subscribed = new Set<string>();
    const watcher = new Watcher(inventory, controlDepsFor(backend), {
      probeIntervalMs: 10 * 60_000,
      hooks: {
        onReport: (report) => reports.push(report),
        onSubscription: (_c, sentinel, isConnected) => isConnected && subscribed.add(sentinel),
      },
    });
    watchers.push(watcher);
    /** Runs one more probe and returns its report. */
    const probe = async () => {
      await watcher.idle();
      const before = reports.length;
      watcher.schedule(cluster);
      await eventually(async () => reports.length > before, 'a probe');
      await watcher.idle();
      return reports.at(-1) as ReconcileReport;
    };
    const probeUntil = (isWanted: (r: ReconcileReport) => boolean, what: string) =>
      eventually(async () => {
        const report = await probe();
        return isWanted(report) && report;
      }, what);
    const isReplicaDown = (r: ReconcileReport) =>
      r.verdict.reasons.some((reason) => reason.code === 'REPLICA_DOWN');
    const healthEvents = () =>
      backend.events.list({ limit: 100 }).filter((e) => e.event.type === 'redis-ha.health.changed');
    await watcher.start();
    // Each subscription that comes up triggers a probe: let all of them come and go first.
    await eventually(async () => subscribed.size === 3, 'the three subscriptions');
    await probeUntil((r) => r.verdict.status === 'ok', 'a healthy probe');

    await topology.kill(replica);
    await probeUntil(isReplicaDown, 'a probe that sees the replica down');
    const pending = await backend.state.getClusterState('test');
    await topology.restart(replica);
    await eventually(async () => {
      const role = (await topology.call(master.port, 'node', 'ROLE')) as [
        string,
        number,
        string[][],
      ];
      return role[2].some(([, port]) => Number(port) === replica.port);
    }, 'the restarted replica to attach');
    await probeUntil((r) => r.verdict.status === 'ok', 'a probe that sees it back');
    const afterFlap = healthEvents();

    await topology.kill(replica);
    await probeUntil(isReplicaDown, 'a probe that sees the replica down again');
    const second = await probe();
    const third = await probe();

    expect(pending).toMatchObject({
      status: 'ok',
      pendingHealth: { status: 'degraded', reasonCodes: ['REPLICA_DOWN'], probes: 1 },
    });
    expect(afterFlap).toEqual([]);
    expect([isReplicaDown(second), isReplicaDown(third)]).toEqual([true, true]);
    expect(healthEvents().map((e) => [e.event.data.previous, e.event.data.status])).toEqual([
      ['ok', 'degraded'],
    ]);
    expect(second.events.map((e) => e.type)).toEqual(['redis-ha.health.changed']);
    expect(await backend.state.getClusterState('test')).toMatchObject({
      status: 'degraded',
      reasonCodes: ['REPLICA_DOWN'],
      pendingHealth: null,
    });
  });
});
