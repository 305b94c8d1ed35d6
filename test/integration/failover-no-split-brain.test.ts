// A planned failover (SENTINEL FAILOVER) against real processes: the old master stays reachable
// and answers ROLE master until the sentinels convert it (+convert-to-slave, about 10 s after
// the switch). Probes from the first +switch-master until then must never call that a split
// brain, publish no SPLIT_BRAIN, and still publish the master change.
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileCluster, type ReconcileReport } from '../../functions/control/reconcile';
import type { SentinelSubscription } from '../../functions/core/ports';
import { sentinelConnection } from '../../functions/core/connection';
import { ReasonCode } from '../../functions/core/reason';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  PASSWORD,
  PASSWORD_PARAMETER,
  TOPOLOGY_START_MAX_MS,
  UNTIMED_STEPS_MS,
} from '../support/topology';

const harness = new Harness();
const subscriptions: SentinelSubscription[] = [];
afterEach(async () => {
  await Promise.all(subscriptions.splice(0).map((s) => s.close()));
  await harness.cleanup();
});

/** Sentinel waits 8 s (SENTINEL_PUBLISH_PERIOD * 4) and checks on INFO, every 10 s, then converts. */
const CONVERT_WAIT_MS = 40_000;

describe('a planned failover', () => {
  it(
    'never reports the old master as a split brain while the sentinels convert it',
    async () => {
      // Prepare
      const topology = await harness.topology({ replicas: 2, sentinels: 3 });
      const backend = harness.backend();
      await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
      const cluster = clusterFor(topology);
      const deps = controlDepsFor(backend);
      const [old] = topology.nodes;
      const [asked] = topology.sentinels;
      if (!old || !asked) throw new Error('topology incomplete');
      const oldTarget = `127.0.0.1:${old.port}`;
      const baseline = await reconcileCluster(cluster, deps);
      expect(baseline.verdict).toMatchObject({ status: 'ok', isConfirmed: true });

      // Probe the moment any sentinel says +switch-master (as the watch does), and back to back
      // from the first one until the old master answers ROLE slave.
      const reports: ReconcileReport[] = [];
      const probes: Promise<void>[] = [];
      const probe = () => {
        const run = reconcileCluster(cluster, deps).then((r) => void reports.push(r));
        probes.push(run);
        return run;
      };
      let switchSeen = false;
      const options = sentinelConnection(cluster, undefined);
      for (const sentinel of topology.sentinels) {
        subscriptions.push(
          deps.gateway.subscribe({ host: '127.0.0.1', port: sentinel.port }, options, {
            onEvent: (channel) => {
              if (channel !== '+switch-master') return;
              switchSeen = true;
              void probe();
            },
            onConnected: () => undefined,
            onDisconnected: () => undefined,
          }),
        );
      }
      const roleOfOld = async () =>
        ((await topology.call(old.port, 'node', 'ROLE')) as unknown[])[0];

      // Act
      // Sentinel answers NOGOODSLAVE until it has fresh INFO from a replica: ask until it accepts.
      await topology.waitFor(
        async () =>
          (await topology
            .call(asked.port, 'sentinel', 'SENTINEL', 'FAILOVER', topology.masterName)
            .catch((error: Error) => error.message)) === 'OK',
        'SENTINEL FAILOVER to be accepted',
      );
      await eventually(async () => switchSeen, '+switch-master', 30_000);
      await eventually(
        async () => {
          await probe();
          return (await roleOfOld()) === 'slave';
        },
        'the sentinels to convert the old master',
        CONVERT_WAIT_MS,
      );
      await Promise.all(probes);
      const settled = await reconcileCluster(cluster, deps);

      // Assess
      const splitBrains = reports.filter((r) =>
        r.verdict.reasons.some((reason) => reason.code === ReasonCode.splitBrain),
      );
      expect(splitBrains.map((r) => r.verdict.reasons)).toEqual([]);
      // The window was seen: the new master confirmed while the old one still answered master.
      const newPort = settled.verdict.master?.port;
      expect(newPort).not.toBe(old.port);
      expect(
        reports.some(
          (r) =>
            r.verdict.isConfirmed &&
            r.verdict.master?.port === newPort &&
            r.verdict.reasons.some(
              (reason) =>
                reason.code === ReasonCode.failoverInProgress && reason.target === oldTarget,
            ),
        ),
      ).toBe(true);
      const published = backend.events.list({ limit: 1000 }).map((e) => e.event);
      const publishedCodes = published.flatMap((e) =>
        ((e.data.reasons ?? []) as { code: string }[]).map((r) => r.code),
      );
      expect(publishedCodes).toContain(ReasonCode.failoverInProgress);
      expect(publishedCodes).not.toContain(ReasonCode.splitBrain);
      const changes = published.filter((e) => e.type === 'redis-ha.master.changed');
      expect(changes).toHaveLength(1);
      expect(changes[0]?.data).toMatchObject({
        previous: oldTarget,
        current: `127.0.0.1:${newPort}`,
      });
      expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(`127.0.0.1:${newPort}`);
      // What the rule reads, as the gateway parses it from SENTINEL REPLICAS.
      const answer = await deps.gateway.querySentinel(
        { host: '127.0.0.1', port: asked.port },
        options,
        topology.masterName,
      );
      if (!answer.ok) throw new Error(`sentinel did not answer: ${answer.detail}`);
      expect(answer.replicas.find((r) => r.endpoint.port === old.port)).toEqual({
        endpoint: { host: '127.0.0.1', port: old.port },
        flags: expect.arrayContaining(['slave']),
        masterLinkStatus: expect.any(String),
        roleReported: expect.stringMatching(/^(master|slave)$/),
        roleReportedMs: expect.any(Number),
        runId: expect.stringMatching(/^[0-9a-f]{40}$/),
      });
      // Its waits: the topology, the failover accepted (15 s), the switch (30 s), the conversion.
    },
    TOPOLOGY_START_MAX_MS + 15_000 + 30_000 + CONVERT_WAIT_MS + UNTIMED_STEPS_MS,
  );
});
