// An AbortSignal stops probes, reconciles and the watch at once, against a real frozen
// (SIGSTOPped) sentinel whose calls would otherwise wait for their 10 s timeouts: what a Lambda
// needs to stop cleanly before its deadline. Each frozen sentinel is reached through a loopback
// forwarder that counts the connections still open, so a socket left behind shows.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IoredisGateway } from '../../functions/adapters/redis/ioredis-gateway';
import { probeCluster } from '../../functions/control/probe-cluster';
import { ReconcileAbortedError, reconcileCluster } from '../../functions/control/reconcile';
import { Watcher } from '../../functions/control/watcher';
import { GatewayError } from '../../functions/core/errors';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  type Topology,
} from '../support/topology';

const harness = new Harness();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await harness.cleanup();
});

/** Forwards 127.0.0.1:<port> to `targetPort`, counting the client connections still open. */
async function countingForwarder(targetPort: number) {
  let accepted = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    accepted += 1;
    open.add(client);
    const upstream = connect(targetPort, '127.0.0.1');
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => {
      open.delete(client);
      end();
    });
    client.on('error', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const forwarder = {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    open: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
  cleanups.push(forwarder.close);
  return forwarder;
}

/** A topology whose third sentinel is frozen and reached through a counting forwarder. */
async function frozenSentinel() {
  const topology = await harness.topology();
  const frozen = topology.sentinels[2];
  if (!frozen) throw new Error('no sentinel');
  const forwarder = await countingForwarder(frozen.port);
  topology.signal(frozen, 'SIGSTOP');
  cleanups.push(async () => topology.signal(frozen, 'SIGCONT'));
  const backend = harness.backend();
  await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  const overrides = {
    sentinels: [...topology.sentinelAddresses.slice(0, 2), `127.0.0.1:${forwarder.port}`],
    // Far longer than the abort: only the signal can end a call to the frozen sentinel early.
    timeouts: { connectMs: 10_000, commandMs: 10_000 },
  };
  return { topology, forwarder, backend, overrides, frozenAddress: `127.0.0.1:${forwarder.port}` };
}

const abortAfter = (ms: number) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
};

describe('abort', () => {
  it('ends a probe waiting on a frozen sentinel: it resolves, the sentinel did not answer (aborted), and no socket stays open', async () => {
    const { topology, forwarder, backend, overrides, frozenAddress } = await frozenSentinel();
    const cluster = clusterFor(topology as Topology, overrides);

    const result = await probeCluster(
      cluster,
      { gateway: new IoredisGateway(), parameters: backend.parameters },
      undefined,
      { signal: abortAfter(200) },
    );

    const frozen = result.observation.sentinels.find(
      (s) => `${s.endpoint.host}:${s.endpoint.port}` === frozenAddress,
    );
    expect(frozen?.answer).toEqual({ ok: false, failure: 'timeout', detail: 'aborted' });
    expect(result.observation.sentinels.filter((s) => s.answer.ok)).toHaveLength(2);
    expect(result.verdict.reasons).toContainEqual(
      expect.objectContaining({ code: 'SENTINEL_UNREACHABLE', target: frozenAddress }),
    );
    expect(forwarder.accepted()).toBe(1);
    await eventually(async () => forwarder.open() === 0, 'the probe connection to close');
  });

  it('rejects a command run on a frozen sentinel with a timeout GatewayError saying aborted, and closes its socket', async () => {
    const { forwarder } = await frozenSentinel();

    const failure = await new IoredisGateway()
      .run(
        { host: '127.0.0.1', port: forwarder.port },
        { connectTimeoutMs: 10_000, commandTimeoutMs: 10_000 },
        [['PING']],
        abortAfter(200),
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({
      failure: 'timeout',
      message: `127.0.0.1:${forwarder.port}: aborted`,
    });
    await eventually(async () => forwarder.open() === 0, 'the connection to close');
  });

  it('makes a reconcile cut short act on nothing: no event, no parameter, no commit', async () => {
    const { topology, backend, overrides } = await frozenSentinel();
    const cluster = clusterFor(topology as Topology, overrides);
    const deps = controlDepsFor(backend);

    const failure = await reconcileCluster(cluster, deps, { signal: abortAfter(200) }).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(ReconcileAbortedError);
    expect(await backend.state.getClusterState('test')).toBeUndefined();
    expect(backend.events.list({ limit: 10 })).toEqual([]);
    expect(await backend.parameters.get('/test/app/addr')).toBeUndefined();
  });

  it('stops a watch with a signal: run() resolves, the probe in flight is abandoned and every socket closes', async () => {
    const { topology, forwarder, backend, overrides } = await frozenSentinel();
    const deps = controlDepsFor(backend);
    const controller = new AbortController();
    const reports: unknown[] = [];
    const watcher = new Watcher(inventoryFor(topology as Topology, overrides), deps, {
      probeIntervalMs: 10 * 60_000,
      signal: controller.signal,
      hooks: { onReport: (report) => reports.push(report) },
    });
    cleanups.push(() => watcher.stop());

    const running = watcher.run();
    // The first probe waits on the frozen sentinel; its subscription is open on the forwarder.
    await eventually(async () => forwarder.accepted() >= 2, 'the probe and the subscription');
    controller.abort();
    await running;

    expect(reports).toEqual([]);
    expect(deps.log.text()).toContain('probe abandoned: the watch is stopping');
    expect(await backend.state.getClusterState('test')).toBeUndefined();
    await eventually(async () => forwarder.open() === 0, 'every connection to close');
  });
});
