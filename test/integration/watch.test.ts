// The long-running watch: a failover is acted on from the sentinels' pub/sub (the periodic
// probe is set far away so that it cannot be what noticed); a sentinel that goes away, or
// freezes behind a socket that looks open, is reported once and resubscribed with backoff.
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IoredisGateway } from '../../functions/adapters/redis/ioredis-gateway';
import type { ReconcileReport } from '../../functions/control/reconcile';
import { Watcher } from '../../functions/control/watcher';
import type { SentinelCluster } from '../../functions/core/inventory';
import { runnerFor } from '../support/rotation';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
} from '../support/topology';

const harness = new Harness();

/** Log lines (parsed) with this message about this sentinel. */
function logged(lines: readonly string[], message: string, sentinel: string) {
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.message === message && entry.sentinel === sentinel);
}

/** Listens on `port` and drops every connection at once, counting them. */
async function dropConnectionsOn(port: number) {
  let count = 0;
  const server = createServer((socket) => {
    count += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    count: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
const watchers: Watcher[] = [];
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.stop()));
  await harness.cleanup();
});

describe('watch', () => {
  it('acts on +switch-master from pub/sub without waiting for the periodic probe', async () => {
    const topology = await harness.topology();
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const channels: string[] = [];
    const watcher = new Watcher(inventoryFor(topology), controlDepsFor(backend), {
      probeIntervalMs: 10 * 60_000,
      hooks: { onSentinelEvent: (_c, _s, channel) => channels.push(channel) },
    });
    watchers.push(watcher);
    await watcher.start();
    await eventually(
      async () => (await backend.state.getClusterState('test'))?.status === 'ok',
      'the first probe',
    );
    const old = topology.nodes[0];
    if (!old) throw new Error('no master');

    await topology.kill(old);
    const changed = await eventually(
      async () =>
        backend.events.list({ limit: 100 }).find((e) => e.event.type === 'redis-ha.master.changed'),
      'master.changed',
      30_000,
    );
    await watcher.idle();

    const newPort = await topology.currentMasterPort();
    expect(channels).toEqual(expect.arrayContaining(['+sdown', '+odown', '+switch-master']));
    expect(changed.event.data).toMatchObject({
      previous: `127.0.0.1:${old.port}`,
      current: `127.0.0.1:${newPort}`,
    });
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(`127.0.0.1:${newPort}`);
  });

  it('reports a sentinel that went away once, however many reconnects fail, and resubscribes when it is back', async () => {
    const topology = await harness.topology();
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const sentinel = topology.sentinels[0];
    if (!sentinel) throw new Error('no sentinel');
    const address = `127.0.0.1:${sentinel.port}`;
    const transitions: boolean[] = [];
    const heard: string[] = [];
    const deps = controlDepsFor(backend);
    const watcher = new Watcher(inventoryFor(topology), deps, {
      probeIntervalMs: 10 * 60_000,
      hooks: {
        onSubscription: (_c, s, isConnected) => {
          if (s === address) transitions.push(isConnected);
        },
        onSentinelEvent: (_c, s, channel) => s === address && heard.push(channel),
      },
    });
    watchers.push(watcher);
    await watcher.start();
    await eventually(async () => transitions.includes(true), 'the subscription');

    await topology.kill(sentinel);
    await eventually(async () => transitions.includes(false), 'the disconnect');
    // Something on the sentinel's port that drops every connection: reconnect attempts keep
    // failing, however fast or slow the machine is, until we have seen several of them.
    const attempts = await dropConnectionsOn(sentinel.port);
    await eventually(async () => attempts.count() >= 3, 'three failed reconnect attempts');
    await attempts.close();
    await topology.restart(sentinel);
    await eventually(
      async () => transitions.lastIndexOf(true) > transitions.indexOf(false),
      'the resubscription',
      20_000,
    );
    const replica = topology.nodes[1];
    if (!replica) throw new Error('no replica');
    await topology.kill(replica);

    await eventually(
      async () => heard.includes('+sdown'),
      'an event from the restarted sentinel',
      20_000,
    );
    expect(transitions).toEqual([true, false, true]);
    expect(logged(deps.log.lines, 'sentinel subscription lost', address)).toHaveLength(1);
    expect(logged(deps.log.lines, 'sentinel subscription restored', address)).toHaveLength(1);
  });

  it('notices a frozen sentinel (SIGSTOP) by its unanswered PING, then resubscribes and probes once it answers again', async () => {
    const topology = await harness.topology();
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const sentinel = topology.sentinels[0];
    if (!sentinel) throw new Error('no sentinel');
    const address = `127.0.0.1:${sentinel.port}`;
    const transitions: boolean[] = [];
    const reports: ReconcileReport[] = [];
    let reportsAtRestore = -1;
    const deps = controlDepsFor(backend, {
      gateway: new IoredisGateway({ pingIntervalMs: 300, deadlineMs: 2000 }),
    });
    const watcher = new Watcher(inventoryFor(topology), deps, {
      probeIntervalMs: 10 * 60_000,
      hooks: {
        onSubscription: (_c, s, isConnected) => {
          if (s !== address) return;
          transitions.push(isConnected);
          if (isConnected && transitions.length > 1) reportsAtRestore = reports.length;
        },
        onReport: (report) => reports.push(report),
      },
    });
    watchers.push(watcher);
    await watcher.start();
    await eventually(async () => transitions.includes(true), 'the subscription');

    topology.signal(sentinel, 'SIGSTOP');
    try {
      // The socket stays open and the kernel still accepts connections: only the PING tells.
      await eventually(
        async () => transitions.includes(false),
        'the frozen subscription to be reported lost',
        10_000,
      );
      expect(logged(deps.log.lines, 'sentinel subscription lost', address)).toEqual([
        expect.objectContaining({ detail: 'no reply to PING within 2000 ms' }),
      ]);
    } finally {
      topology.signal(sentinel, 'SIGCONT');
    }
    await eventually(
      async () => transitions.lastIndexOf(true) > transitions.indexOf(false),
      'the resubscription',
      20_000,
    );
    const probeAfterRestore = await eventually(
      async () => reports.slice(reportsAtRestore).find((r) => r.verdict.sentinelsAnswering === 3),
      'a probe after the resubscription',
    );

    expect(probeAfterRestore.verdict.isConfirmed).toBe(true);
    expect(transitions).toEqual([true, false, true]);
    expect(logged(deps.log.lines, 'sentinel subscription lost', address)).toHaveLength(1);
  });

  it('stops only once the probe in flight has settled (abandoned by the abort), however many callers ask it to stop', async () => {
    const topology = await harness.topology();
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const inventory = inventoryFor(topology);
    const controller = new AbortController();
    const deps = controlDepsFor(backend);
    let reports = 0;
    const watcher = new Watcher(inventory, deps, {
      probeIntervalMs: 10 * 60_000,
      signal: controller.signal,
      hooks: { onReport: () => (reports += 1) },
    });
    watchers.push(watcher);
    await watcher.start();
    await watcher.idle();
    const before = reports;

    watcher.schedule(inventory.clusters[0] as SentinelCluster);
    controller.abort(); // Ctrl-C: the signal starts the stop ...
    await Promise.all([watcher.stop(), watcher.stop()]); // ... the CLI waits before closing the store.

    // The probe in flight was cut short, so nothing was reported or acted on; it had settled
    // before stop() resolved.
    expect(reports).toBe(before);
    expect(deps.log.text()).toContain('probe abandoned: the watch is stopping');
  });

  it('resubscribes with a rotated sentinel password, so a restarted sentinel is heard again', async () => {
    const sentinelPassword = 'Watch-Sentinel-Pw-0f1e2d3c';
    const topology = await harness.topology({ sentinelPassword });
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    await backend.parameters.put('/test/sentinel/password', sentinelPassword, { isSecure: true });
    const overrides = {
      sentinelPasswordParameter: '/test/sentinel/password',
      rotation: { rotateSentinelPassword: true },
    };
    const sentinel = topology.sentinels[0];
    const replica = topology.nodes[1];
    if (!sentinel || !replica) throw new Error('topology incomplete');
    const address = `127.0.0.1:${sentinel.port}`;
    const heard: string[] = [];
    const deps = controlDepsFor(backend);
    const watcher = new Watcher(inventoryFor(topology, overrides), deps, {
      probeIntervalMs: 200,
      hooks: { onSentinelEvent: (_c, s, channel) => s === address && heard.push(channel) },
    });
    watchers.push(watcher);
    await watcher.start();
    const { runner } = runnerFor(clusterFor(topology, overrides), backend, { gracePeriodMs: 100 });

    const record = await runner.run();
    await eventually(
      async () => deps.log.text().includes('resubscribed with the rotated sentinel password'),
      'resubscription',
    );
    topology.useSentinelPassword(
      (await backend.parameters.get('/test/sentinel/password'))?.value ?? '',
    );
    await topology.restartWith(sentinel);
    await topology.waitForSentinels();
    await topology.kill(replica);

    expect(record.phase).toBe('completed');
    await eventually(
      async () => heard.includes('+sdown'),
      'an event from the restarted sentinel',
      20_000,
    );
  });
});
