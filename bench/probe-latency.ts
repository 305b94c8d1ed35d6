// One full probe of a healthy 3-sentinel cluster on loopback (3 sentinels in parallel, then
// ROLE on the master). Baseline in the same run: one fresh connection + PING to one sentinel,
// the floor any probe that opens its own connections pays. Target: probe p50 <= 5 ms.
import Redis from 'ioredis';
import { probeCluster } from '../functions/control/probe-cluster';
import { benchFixture } from './fixture';
import { percentile, summary } from './stats';

const ROUNDS = 300;

const { topology, cluster, deps, close } = await benchFixture();
try {
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
  await close();
}
