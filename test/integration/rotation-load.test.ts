// Zero failed client commands during a whole rotation: ioredis clients reconnecting with the
// parameter's current value, and redis-benchmark with the old password until step 6, then the
// new one.
import { afterEach, describe, expect, it } from 'vitest';
import { ClientLoad } from '../support/client-load';
import { runnerFor } from '../support/rotation';
import { eventually, Harness, PASSWORD, PASSWORD_PARAMETER } from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('rotation under client load', () => {
  it.each([
    ['the default user', {}],
    ['an ACL user', { username: 'app' }],
  ])('fails no client command with %s', async (_name, topologyOptions) => {
    const topology = await harness.topology(topologyOptions);
    const { backend, cluster } = await harness.primed(topology);
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
    const before = await eventually(async () => {
      const progress = load.progress();
      return progress.ioredisCommands >= 50 && progress.benchmarkRuns >= 1 ? progress : undefined;
    }, 'client load to run before the rotation');
    const rotation = runner.run();
    // Step 6 publishes the new password: switch redis-benchmark to it as an operator's script would.
    const newPassword = await eventually(async () => {
      const current = (await backend.parameters.get(PASSWORD_PARAMETER))?.value;
      return current && current !== PASSWORD ? current : undefined;
    }, 'step 6 to publish the new password');
    load.switchBenchmarkPassword(newPassword);
    const record = await rotation;
    const atEnd = load.progress();
    await eventually(async () => {
      const progress = load.progress();
      return (
        progress.ioredisCommands >= atEnd.ioredisCommands + 50 &&
        progress.benchmarkRuns >= atEnd.benchmarkRuns + 1
      );
    }, 'client load to go on with only the new password');
    const report = await load.stop();

    expect(record.phase).toBe('completed');
    expect(report.errors).toEqual([]);
    expect(report.ioredisFailures).toBe(0);
    expect(report.benchmarkFailures).toBe(0);
    expect(before.ioredisCommands).toBeGreaterThan(0);
    expect(report.ioredisCommands).toBeGreaterThan(atEnd.ioredisCommands);
    expect(report.benchmarkRuns).toBeGreaterThan(atEnd.benchmarkRuns);
  });
});
