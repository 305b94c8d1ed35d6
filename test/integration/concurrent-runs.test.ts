// Overlapping runs (a scheduled probe and a watch, two ticks) acting on the same real failover:
// the event claims and the conditional state commit let exactly one of them act, and the other
// steps aside without failing.
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileCluster } from '../../functions/control/reconcile';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  PASSWORD,
  PASSWORD_PARAMETER,
  waitForFailover,
} from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('two runs racing on one failover', () => {
  it('publish one master.changed, write the parameters and commit one state', async () => {
    const topology = await harness.topology();
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const cluster = clusterFor(topology);
    const first = controlDepsFor(backend);
    const second = controlDepsFor(backend);
    await reconcileCluster(cluster, first);
    const before = await backend.state.getClusterState('test');
    const old = topology.nodes[0];
    if (!old) throw new Error('no master');
    await topology.kill(old);
    const newPort = await waitForFailover(topology, old.port);
    // Both runs should see the same settled verdict, so that they plan the same transition.
    await eventually(async () => {
      const { verdict } = await reconcileCluster(cluster, first, { isReadOnly: true });
      return verdict.isConfirmed && verdict.votes.length === 1 && verdict.master?.port === newPort;
    }, 'every sentinel to agree on the new master');

    const reports = await Promise.all([
      reconcileCluster(cluster, first, { runId: 'run-a' }),
      reconcileCluster(cluster, second, { runId: 'run-b' }),
    ]);

    const changes = backend.events
      .list({ limit: 100 })
      .filter((e) => e.event.type === 'redis-ha.master.changed');
    const winners = reports.filter((r) => !r.isConflict);
    const loser = reports.find((r) => r.isConflict);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.deliveries).toBe(1);
    expect(winners).toHaveLength(1);
    expect(winners[0]?.events.map((e) => e.type)).toContain('redis-ha.master.changed');
    expect(loser?.events.map((e) => e.type)).not.toContain('redis-ha.master.changed');
    const loserLog = loser === reports[0] ? first.log.text() : second.log.text();
    expect(loserLog).toMatch(/another run (committed first|is publishing this transition)/);
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(`127.0.0.1:${newPort}`);
    expect(await backend.state.getClusterState('test')).toMatchObject({
      master: { port: newPort },
      revision: (before?.revision ?? 0) + 1,
    });
  });
});
