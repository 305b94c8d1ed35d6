// Rotation duration, grace period excluded (steps 1-6, then step 7 after the grace period), on
// 1 master + 2 replicas + 3 sentinels over loopback, with client load running throughout: the
// failed-command count is printed too. Targets: <= 1 s per rotation, 0 failed commands.
// Baseline in the same run: one probe of the same cluster (a rotation probes several times).
import { probeCluster } from '../functions/control/probe-cluster';
import { reconcileCluster } from '../functions/control/reconcile';
import { RotationRunner } from '../functions/control/rotation-runner';
import { ClientLoad } from '../test/support/client-load';
import { BENCH_PASSWORD, benchFixture, PASSWORD_PARAMETER } from './fixture';
import { percentile, summary } from './stats';

const ROTATIONS = Number(process.env.ROTATIONS) || 10;
const GRACE_MS = 300;

const { topology, backend, cluster, deps, close } = await benchFixture({
  platformParameters: () => ({ '/bench/url': 'redis://:{{password}}@{{host}}:{{port}}' }),
});
try {
  await reconcileCluster(cluster, deps);
  const currentPassword = async () =>
    (await backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '';
  const load = new ClientLoad(
    { port: topology.nodes[0]?.port as number, currentPassword },
    BENCH_PASSWORD,
  );
  load.start();

  const durations: number[] = [];
  const probes: number[] = [];
  for (let i = 0; i < ROTATIONS; i++) {
    const runner = new RotationRunner(cluster, deps, {
      actor: 'bench',
      waitForGrace: false,
      leaseMs: 1000,
      gracePeriodMs: GRACE_MS,
    });
    const started = performance.now();
    const published = await runner.run();
    const toPublished = performance.now() - started;
    load.switchBenchmarkPassword(await currentPassword());
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 10));
    const resumed = performance.now();
    const completed = await new RotationRunner(cluster, deps, {
      actor: 'bench',
      waitForGrace: true,
      leaseMs: 1000,
    }).run();
    if (published.phase !== 'published' || completed.phase !== 'completed') {
      throw new Error(
        `rotation ${i} ended ${published.phase} / ${completed.phase}: ${completed.error ?? ''}`,
      );
    }
    durations.push(toPublished + (performance.now() - resumed));
    const probeStarted = performance.now();
    await probeCluster(cluster, deps);
    probes.push(performance.now() - probeStarted);
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const report = await load.stop();
  console.log(`rotation, grace period excluded: ${summary(durations)}`);
  console.log(`baseline, one probe:            ${summary(probes)}`);
  console.log(
    `ratio rotation/probe at p50: ${(percentile(durations, 50) / percentile(probes, 50)).toFixed(1)}x`,
  );
  console.log(
    `client load: ${report.ioredisCommands} ioredis commands (${report.ioredisFailures} failed), ${report.benchmarkRuns} redis-benchmark runs (${report.benchmarkFailures} failed)`,
  );
  for (const error of report.errors.slice(0, 5)) console.log(`  ${error}`);
  const failed = report.ioredisFailures + report.benchmarkFailures;
  console.log(
    `targets <= 1 s and 0 failed commands: ${percentile(durations, 100) <= 1000 && failed === 0 ? 'MET' : 'MISSED'}`,
  );
} finally {
  await close();
}
