// `addressMap` end to end: the sentinels announce a master address that redis-ha cannot dial
// (a port map that has stopped accepting connections: the sentinels keep the links they opened
// through it). The probe must dial the mapped address, and the platform parameters must carry
// the address that was dialled, not the announced one.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileCluster } from '../../functions/control/reconcile';
import { TcpForwarder } from '../support/tcp-forwarder';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  PASSWORD,
  PASSWORD_PARAMETER,
  type Topology,
} from '../support/topology';

const harness = new Harness();
const forwarders: TcpForwarder[] = [];
afterEach(async () => {
  await Promise.all(forwarders.splice(0).map((f) => f.stop()));
  await harness.cleanup();
});

/** Whether a new TCP connection to 127.0.0.1:`port` is accepted. */
function isDialable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Points every sentinel at the master through `announcedPort` and waits for rediscovery. */
async function monitorThrough(topology: Topology, announcedPort: number): Promise<void> {
  const name = topology.masterName;
  for (const sentinel of topology.sentinels) {
    const call = (...args: string[]) => topology.call(sentinel.port, 'sentinel', ...args);
    await call('SENTINEL', 'REMOVE', name);
    await call('SENTINEL', 'MONITOR', name, '127.0.0.1', String(announcedPort), '2');
    await call('SENTINEL', 'SET', name, 'auth-pass', PASSWORD);
    // Long timeouts: the sentinels must neither fail over nor re-point the replicas (which
    // follow the real port) while the test runs.
    await call('SENTINEL', 'SET', name, 'down-after-milliseconds', '60000');
    await call('SENTINEL', 'SET', name, 'failover-timeout', '600000');
  }
  await topology.waitForSentinels();
  for (const sentinel of topology.sentinels) {
    const address = await topology.call(
      sentinel.port,
      'sentinel',
      'SENTINEL',
      'GET-MASTER-ADDR-BY-NAME',
      name,
    );
    expect(address).toEqual(['127.0.0.1', String(announcedPort)]);
  }
}

describe('addressMap', () => {
  it('dials the mapped address of an announced master nobody can dial, and writes the mapped address into the parameters', async () => {
    const topology = await harness.topology({ downAfterMs: 60_000, failoverTimeoutMs: 600_000 });
    const master = topology.nodes[0];
    if (!master) throw new Error('no master');
    const portMap = await TcpForwarder.start(master.port);
    forwarders.push(portMap);
    await monitorThrough(topology, portMap.port);
    portMap.refuseNew();
    await eventually(async () => !(await isDialable(portMap.port)), 'the port map to refuse');
    const announced = `127.0.0.1:${portMap.port}`;
    const dialled = `127.0.0.1:${master.port}`;

    const mappedBackend = harness.backend();
    await mappedBackend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const mapped = await reconcileCluster(
      clusterFor(topology, { addressMap: { [announced]: dialled } }),
      controlDepsFor(mappedBackend),
    );
    const unmappedBackend = harness.backend();
    await unmappedBackend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const unmapped = await reconcileCluster(clusterFor(topology), controlDepsFor(unmappedBackend));

    expect(mapped.verdict).toMatchObject({
      status: 'ok',
      isConfirmed: true,
      master: { host: '127.0.0.1', port: portMap.port },
      sentinelsAnswering: 3,
    });
    expect(mapped.verdict.reasons).toEqual([]);
    expect((await mappedBackend.parameters.get('/test/app/addr'))?.value).toBe(dialled);
    expect((await mappedBackend.parameters.get('/test/app/url'))?.value).toBe(
      `redis://:${PASSWORD}@${dialled}`,
    );
    // Without the map the same sentinels lead to an address that refuses: nothing is written.
    expect(unmapped.verdict).toMatchObject({ status: 'critical', isConfirmed: false });
    expect(unmapped.verdict.reasons).toContainEqual(
      expect.objectContaining({ code: 'MASTER_UNREACHABLE', target: announced }),
    );
    expect(unmapped.parametersWritten).toEqual([]);
    expect(await unmappedBackend.parameters.get('/test/app/addr')).toBeUndefined();
  });
});
