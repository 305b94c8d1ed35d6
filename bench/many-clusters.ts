// An inventory of 1,000 clusters (distinct names, all pointing at one real topology) probed
// and reconciled by one process, as `redis-ha probe` does. Targets: <= 10 s and <= 256 MB RSS.
// Baseline in the same run: the same work for 1 cluster, to show how it scales.
// Run it as `npm run bench:many`: same Node flags as the CLI (--max-semi-space-size=16).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topology } from '../cli/topology';
import { PROBE_CONCURRENCY } from '../cli/commands/probe';
import { JsonLogger } from '../functions/adapters/local/json-logger';
import { openLocalBackend, systemClock } from '../functions/adapters/local/local-backend';
import { IoredisGateway } from '../functions/adapters/redis/ioredis-gateway';
import { parseInventory } from '../functions/core/inventory';
import { mapWithLimit, reconcileCluster } from '../functions/control/reconcile';
import { rssSampler } from './stats';

const CLUSTERS = 1000;
const PASSWORD = 'bench-password-not-secret';

const topology = await Topology.start({ password: PASSWORD });
const dir = mkdtempSync(join(tmpdir(), 'redis-ha-bench-'));
const backend = openLocalBackend(dir);
try {
  await backend.parameters.put('/bench/password', PASSWORD, { isSecure: true });
  const parsed = parseInventory(
    JSON.stringify({
      clusters: Array.from({ length: CLUSTERS }, (_, i) => ({
        name: `cluster-${String(i).padStart(4, '0')}`,
        sentinels: topology.sentinelAddresses,
        masterName: topology.masterName,
        passwordParameter: '/bench/password',
        platformParameters: { [`/bench/${i}/addr`]: '{{host}}:{{port}}' },
      })),
    }),
  );
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const deps = {
    gateway: new IoredisGateway(),
    parameters: backend.parameters,
    state: backend.state,
    events: backend.events,
    clock: systemClock,
    logger: new JsonLogger(() => undefined, 'silent'),
    source: 'urn:redis-ha:bench',
  };
  const run = async (clusters: typeof parsed.inventory.clusters) => {
    const started = performance.now();
    const reports = await mapWithLimit(clusters, PROBE_CONCURRENCY, (c) =>
      reconcileCluster(c, deps),
    );
    const bad = reports.filter((r) => r.verdict.status !== 'ok');
    if (bad.length > 0)
      throw new Error(
        `${bad.length} clusters not ok, e.g. ${JSON.stringify(bad[0]?.verdict.reasons)}`,
      );
    return performance.now() - started;
  };

  const one = await run(parsed.inventory.clusters.slice(0, 1));
  const baselineMiB = process.memoryUsage().rss / 1024 / 1024;
  const rss = rssSampler();
  const first = await run(parsed.inventory.clusters);
  const second = await run(parsed.inventory.clusters);
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
  backend.close();
  await topology.stop();
  rmSync(dir, { recursive: true, force: true });
}
