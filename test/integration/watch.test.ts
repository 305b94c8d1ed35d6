// The long-running watch: a failover is acted on from the sentinels' pub/sub (the periodic
// probe is set far away so that it cannot be what noticed), and a sentinel that goes away is
// reconnected with backoff.
import { afterEach, describe, expect, it } from 'vitest';
import { Watcher } from '../../functions/control/watcher';
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

  it('resubscribes to a sentinel that went away and came back', async () => {
    const topology = await harness.topology();
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const sentinel = topology.sentinels[0];
    if (!sentinel) throw new Error('no sentinel');
    const address = `127.0.0.1:${sentinel.port}`;
    const transitions: boolean[] = [];
    const heard: string[] = [];
    const watcher = new Watcher(inventoryFor(topology), controlDepsFor(backend), {
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
    expect(transitions.slice(0, 3)).toEqual([true, false, true]);
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
