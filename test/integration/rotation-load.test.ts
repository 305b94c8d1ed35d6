// Zero failed client commands during a whole rotation: ioredis clients reconnecting with the
// parameter's current value, and redis-benchmark with the old password until step 6, then the
// new one.
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileCluster } from '../../functions/control/reconcile';
import { ClientLoad } from '../support/client-load';
import { runnerFor } from '../support/rotation';
import {
  clusterFor,
  controlDepsFor,
  Harness,
  PASSWORD,
  PASSWORD_PARAMETER,
} from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('rotation under client load', () => {
  it.each([
    ['the default user', {}],
    ['an ACL user', { username: 'app' }],
  ])('fails no client command with %s', async (_name, topologyOptions) => {
    const topology = await harness.topology(topologyOptions);
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const cluster = clusterFor(topology);
    await reconcileCluster(cluster, controlDepsFor(backend));
    const port = topology.nodes[0]?.port as number;
    const load = new ClientLoad(
      {
        port,
        ...(topology.options.username ? { username: topology.options.username } : {}),
        currentPassword: async () =>
          (await backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '',
      },
      PASSWORD,
    );
    const { runner } = runnerFor(cluster, backend, { gracePeriodMs: 1500 });

    load.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rotation = runner.run();
    // Step 6 publishes the new password: switch redis-benchmark to it as an operator's script would.
    const switched = (async () => {
      for (;;) {
        const current = (await backend.parameters.get(PASSWORD_PARAMETER))?.value;
        if (current && current !== PASSWORD) return load.switchBenchmarkPassword(current);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const record = await rotation;
    await switched;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const report = await load.stop();

    expect(record.phase).toBe('completed');
    expect(report.errors).toEqual([]);
    expect(report.ioredisFailures).toBe(0);
    expect(report.benchmarkFailures).toBe(0);
    expect(report.ioredisCommands).toBeGreaterThan(500);
    expect(report.benchmarkRuns).toBeGreaterThan(5);
  });
});
