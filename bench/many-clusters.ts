// An inventory of 1,000 clusters (distinct names, all pointing at one real topology) probed
// and reconciled by one process, as `redis-ha probe` does. Targets: <= 10 s and <= 256 MB RSS.
// Baseline in the same run: the same work for 1 cluster, to show how it scales.
// Run it as `npm run bench:many`: same Node flags as the CLI (--max-semi-space-size=16).
import type { Cluster } from '../functions/core/inventory';
import { reconcileAll } from '../functions/control/reconcile-all';
import { probeConcurrencyFrom } from '../functions/wiring/local';
import { benchFixture } from './fixture';
import { rssSampler } from './stats';

const CLUSTERS = 1000;
// As `redis-ha probe`: REDIS_HA_PROBE_CONCURRENCY overrides the default.
const PROBE_CONCURRENCY = probeConcurrencyFrom(process.env);

const { inventory, deps, close } = await benchFixture({
  clusters: CLUSTERS,
  platformParameters: (i) => ({ [`/bench/${i}/addr`]: '{{host}}:{{port}}' }),
});
try {
  const run = async (clusters: readonly Cluster[]) => {
    const started = performance.now();
    const outcomes = await reconcileAll(clusters, deps, { concurrency: PROBE_CONCURRENCY });
    const failed = outcomes.find((o) => o.kind !== 'reconciled');
    if (failed)
      throw new Error(
        `${failed.cluster} was not reconciled: ${failed.kind === 'failed' ? String(failed.error) : failed.kind}`,
      );
    const bad = outcomes.flatMap((o) =>
      o.kind === 'reconciled' && o.report.verdict.status !== 'ok' ? [o.report] : [],
    );
    if (bad.length > 0)
      throw new Error(
        `${bad.length} clusters not ok, e.g. ${JSON.stringify(bad[0]?.verdict.reasons)}`,
      );
    return performance.now() - started;
  };

  const one = await run(inventory.clusters.slice(0, 1));
  const baselineMiB = process.memoryUsage().rss / 1024 / 1024;
  const rss = rssSampler();
  const first = await run(inventory.clusters);
  const second = await run(inventory.clusters);
  const peakMiB = rss.stop();
  console.log(`1 cluster (baseline):                 ${one.toFixed(0)} ms`);
  console.log(`${CLUSTERS} clusters, first run (writes): ${first.toFixed(0)} ms`);
  console.log(
    `${CLUSTERS} clusters, steady state:       ${second.toFixed(0)} ms (${(second / CLUSTERS).toFixed(2)} ms per cluster, concurrency ${PROBE_CONCURRENCY})`,
  );
  console.log(
    `peak RSS: ${peakMiB.toFixed(0)} MiB (process before the run: ${baselineMiB.toFixed(0)} MiB)`,
  );
  console.log(
    `targets <= 10 s and <= 256 MB: ${Math.max(first, second) <= 10_000 && peakMiB <= 256 ? 'MET' : 'MISSED'}`,
  );
} finally {
  await close();
}
