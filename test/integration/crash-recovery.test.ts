// A run killed for real (SIGKILL at a fault point) in the middle of a failover, then run again.
// An event is published once when the crash comes after it was published, and at least once
// when the crash comes between its claim and its publication (after the claim's lease); the
// parameters end up pointing at the new master either way.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalBackend } from '../../functions/adapters/local/local-backend';
import { EVENT_CLAIM_LEASE_MS, reconcileCluster } from '../../functions/control/reconcile';
import {
  clusterFor,
  controlDepsFor,
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  runCli,
  waitForFailover,
  writeInventory,
  type Topology,
} from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());

/** A topology whose master was just killed and replaced, and a store that knew the old one. */
async function failedOver() {
  // A 1 s down-after lets a stalled, busy machine fail over a second time between the
  // crash and the rerun, which is then rightly a new event; 3 s keeps to one failover.
  const topology = await harness.topology({ downAfterMs: 3000 });
  const dir = harness.tempDir();
  const store = join(dir, 'store');
  const inventory = writeInventory(dir, inventoryFor(topology));
  const cli = (env: NodeJS.ProcessEnv = {}) =>
    runCli(['probe', '-i', inventory, '--store', store, '--json'], { env });
  const put = await runCli(['params', 'put', PASSWORD_PARAMETER, '--secure', '--store', store], {
    input: `${PASSWORD}\n`,
  });
  expect(put.code).toBe(0);
  expect((await cli()).code).toBe(0);
  const old = topology.nodes[0];
  if (!old) throw new Error('no master');
  await topology.kill(old);
  const newPort = await waitForFailover(topology, old.port);
  return { topology, store, cli, old, newPort };
}

const masterChanges = (backend: ReturnType<typeof openLocalBackend>) =>
  backend.events.list({ limit: 100 }).filter((e) => e.event.type === 'redis-ha.master.changed');

describe('crash in the middle of a failover', () => {
  it.each(['reconcile:after-publish', 'reconcile:after-parameters'])(
    'publishes master.changed once and finishes the work after a crash at %s',
    async (faultPoint) => {
      const { store, cli, old, newPort } = await failedOver();

      const crashed = await cli({ REDIS_HA_FAULT: faultPoint });
      const backend = openLocalBackend(store);
      try {
        const afterCrash = masterChanges(backend);
        const addrAfterCrash = (await backend.parameters.get('/test/app/addr'))?.value;
        const stateAfterCrash = await backend.state.getClusterState('test');
        const resumed = await cli();
        const afterResume = masterChanges(backend);

        expect(crashed.signal).toBe('SIGKILL');
        expect(afterCrash).toHaveLength(1);
        expect(stateAfterCrash?.master?.port).toBe(old.port);
        expect(addrAfterCrash).toBe(
          faultPoint === 'reconcile:after-publish'
            ? `127.0.0.1:${old.port}`
            : `127.0.0.1:${newPort}`,
        );
        expect(resumed.code, resumed.stdout).toBe(1); // degraded: the killed master is now a replica that is down
        // The claim says it was published: the rerun does not send it again.
        expect(afterResume).toHaveLength(1);
        expect(afterResume[0]?.event.id).toBe(afterCrash[0]?.event.id);
        expect(afterResume[0]?.deliveries).toBe(1);
        expect(JSON.parse(resumed.stdout)[0]).toMatchObject({ isConflict: false });
        expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(
          `127.0.0.1:${newPort}`,
        );
        expect((await backend.state.getClusterState('test'))?.master?.port).toBe(newPort);
      } finally {
        backend.close();
      }
    },
  );

  it('publishes master.changed after the claim lease when the run that claimed it died before publishing', async () => {
    const { topology, store, cli, old, newPort } = await failedOver();

    const crashed = await cli({ REDIS_HA_FAULT: 'reconcile:after-claim' });
    const backend = openLocalBackend(store);
    try {
      const afterCrash = masterChanges(backend);
      // Within the lease: the claim is the dead run's, so this run leaves the event (and the
      // commit) to it, but still points the parameters at the new master.
      const withinLease = await cli();
      const stateWithinLease = await backend.state.getClusterState('test');
      const afterLease = await reconcileCluster(
        clusterFor(topology as Topology),
        controlDepsFor(backend, {
          clock: { now: () => new Date(Date.now() + EVENT_CLAIM_LEASE_MS + 1000) },
        }),
      );

      expect(crashed.signal).toBe('SIGKILL');
      expect(afterCrash).toEqual([]);
      expect(withinLease.code, withinLease.stdout).toBe(1);
      expect(JSON.parse(withinLease.stdout)[0]).toMatchObject({ isConflict: true, events: [] });
      expect(stateWithinLease?.master?.port).toBe(old.port);
      expect(afterLease.isConflict).toBe(false);
      expect(afterLease.events.map((e) => e.type)).toContain('redis-ha.master.changed');
      expect(masterChanges(backend)).toHaveLength(1);
      expect(masterChanges(backend)[0]?.deliveries).toBe(1);
      expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(`127.0.0.1:${newPort}`);
      expect((await backend.state.getClusterState('test'))?.master?.port).toBe(newPort);
    } finally {
      backend.close();
    }
  });
});
