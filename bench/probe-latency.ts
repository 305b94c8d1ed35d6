// One full probe of a healthy 3-sentinel cluster on loopback (3 sentinels in parallel, then
// ROLE on the master). Baseline in the same run: one fresh connection + PING to one sentinel,
// the floor any probe that opens its own connections pays. Target: probe p50 <= 5 ms.
import Redis from 'ioredis';
import { Topology } from '../cli/topology';
import { openLocalBackend } from '../functions/adapters/local/local-backend';
import { IoredisGateway } from '../functions/adapters/redis/ioredis-gateway';
import { parseInventory, type SentinelCluster } from '../functions/core/inventory';
import { probeCluster } from '../functions/control/probe-cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, summary } from './stats';

const ROUNDS = 300;
const PASSWORD = 'bench-password-not-secret';

const topology = await Topology.start({ password: PASSWORD });
const dir = mkdtempSync(join(tmpdir(), 'redis-ha-bench-'));
const backend = openLocalBackend(dir);
try {
  await backend.parameters.put('/bench/password', PASSWORD, { isSecure: true });
  const parsed = parseInventory(
    JSON.stringify({
      clusters: [
        {
          name: 'bench',
          sentinels: topology.sentinelAddresses,
          masterName: topology.masterName,
          passwordParameter: '/bench/password',
        },
      ],
    }),
  );
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const cluster = parsed.inventory.clusters[0] as SentinelCluster;
  const deps = { gateway: new IoredisGateway(), parameters: backend.parameters };
  const sentinelPort = topology.sentinels[0]?.port as number;

  const probe: number[] = [];
  const ping: number[] = [];
  for (let i = 0; i < 20; i++) await probeCluster(cluster, deps); // warm-up (JIT, sockets)
  for (let i = 0; i < ROUNDS; i++) {
    const result = await probeCluster(cluster, deps);
    if (result.verdict.status !== 'ok') throw new Error(`probe ${i}: ${result.verdict.status}`);
    probe.push(result.durationMs);
    const started = performance.now();
    const redis = new Redis({
      host: '127.0.0.1',
      port: sentinelPort,
      lazyConnect: true,
      enableReadyCheck: false,
      retryStrategy: () => null,
    });
    await redis.connect();
    await redis.ping();
    redis.disconnect();
    ping.push(performance.now() - started);
  }
  console.log('full probe (3 sentinels + master):', summary(probe));
  console.log('baseline connect+PING (1 node):  ', summary(ping));
  console.log(
    `ratio probe/baseline at p50: ${(percentile(probe, 50) / percentile(ping, 50)).toFixed(2)}x`,
  );
  console.log(`target p50 <= 5 ms: ${percentile(probe, 50) <= 5 ? 'MET' : 'MISSED'}`);
} finally {
  backend.close();
  await topology.stop();
  rmSync(dir, { recursive: true, force: true });
}
