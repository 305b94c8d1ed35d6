// A crash between publishing master.changed and writing the parameters: the process is killed
// for real (SIGKILL at a fault point), then run again. The event keeps its id, is not lost,
// and the parameters end up pointing at the new master.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalBackend } from '../../functions/adapters/local/local-backend';
import {
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  runCli,
  waitForFailover,
  writeInventory,
} from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('crash between publish and parameter write', () => {
  it.each(['reconcile:after-publish', 'reconcile:after-parameters'])(
    'repeats the work with the same event id after a crash at %s',
    async (faultPoint) => {
      // A 1 s down-after lets a stalled, busy machine fail over a second time between the
      // crash and the rerun, which is then rightly a new event; 3 s keeps to one failover.
      const topology = await harness.topology({ downAfterMs: 3000 });
      const dir = harness.tempDir();
      const store = join(dir, 'store');
      const inventory = writeInventory(dir, inventoryFor(topology));
      const cli = (env: NodeJS.ProcessEnv = {}) =>
        runCli(['probe', '-i', inventory, '--store', store, '--json'], { env });
      const put = await runCli(
        ['params', 'put', PASSWORD_PARAMETER, '--secure', '--store', store],
        { input: `${PASSWORD}\n` },
      );
      expect(put.code).toBe(0);
      expect((await cli()).code).toBe(0);
      const old = topology.nodes[0];
      if (!old) throw new Error('no master');

      await topology.kill(old);
      const newPort = await waitForFailover(topology, old.port);
      const crashed = await cli({ REDIS_HA_FAULT: faultPoint });
      const backend = openLocalBackend(store);
      try {
        const afterCrash = backend.events
          .list({ limit: 100 })
          .filter((e) => e.event.type === 'redis-ha.master.changed');
        const addrAfterCrash = (await backend.parameters.get('/test/app/addr'))?.value;
        const stateAfterCrash = await backend.state.getClusterState('test');
        const resumed = await cli();
        const afterResume = backend.events
          .list({ limit: 100 })
          .filter((e) => e.event.type === 'redis-ha.master.changed');

        expect(crashed.signal).toBe('SIGKILL');
        expect(afterCrash).toHaveLength(1);
        expect(stateAfterCrash?.master?.port).toBe(old.port);
        expect(addrAfterCrash).toBe(
          faultPoint === 'reconcile:after-publish'
            ? `127.0.0.1:${old.port}`
            : `127.0.0.1:${newPort}`,
        );
        expect(resumed.code, resumed.stdout).toBe(1); // degraded: the killed master is now a replica that is down
        expect(afterResume).toHaveLength(1);
        expect(afterResume[0]?.event.id).toBe(afterCrash[0]?.event.id);
        expect(afterResume[0]?.deliveries).toBe(2);
        expect(JSON.parse(resumed.stdout)[0].events.map((e: { id: string }) => e.id)).toContain(
          afterCrash[0]?.event.id,
        );
        expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(
          `127.0.0.1:${newPort}`,
        );
        expect((await backend.state.getClusterState('test'))?.master?.port).toBe(newPort);
      } finally {
        backend.close();
      }
    },
  );
});
