// Real failovers: SIGKILL and SIGSTOP of the master. Exactly one master.changed event, and the
// platform parameters follow the new master; nothing changes while the master is unconfirmed.
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileCluster } from '../../functions/control/reconcile';
import {
  clusterFor,
  controlDepsFor,
  Harness,
  PASSWORD,
  PASSWORD_PARAMETER,
  waitForFailover,
} from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());

async function setUp() {
  const topology = await harness.topology();
  const backend = harness.backend();
  await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  const cluster = clusterFor(topology);
  const deps = controlDepsFor(backend);
  const old = topology.nodes[0];
  if (!old) throw new Error('no master');
  await reconcileCluster(cluster, deps);
  return {
    topology,
    backend,
    cluster,
    deps,
    old,
    reconcile: () => reconcileCluster(cluster, deps),
  };
}

const masterChanges = (backend: ReturnType<Harness['backend']>) =>
  backend.events.list({ limit: 1000 }).filter((e) => e.event.type === 'redis-ha.master.changed');

describe('failover', () => {
  it('publishes one master.changed and rewrites the parameters after the master is SIGKILLed', async () => {
    const { topology, backend, old, reconcile } = await setUp();

    await topology.kill(old);
    const during = await reconcile();
    const newPort = await waitForFailover(topology, old.port);
    const after = await reconcile();
    const again = await reconcile();

    expect(during.verdict.isConfirmed).toBe(false);
    expect(during.parametersWritten).toEqual([]);
    expect(after.verdict).toMatchObject({ isConfirmed: true, master: { port: newPort } });
    expect(after.events.filter((e) => e.type === 'redis-ha.master.changed')).toHaveLength(1);
    expect([...after.parametersWritten].sort()).toEqual(['/test/app/addr', '/test/app/url']);
    expect(again.events.filter((e) => e.type === 'redis-ha.master.changed')).toEqual([]);
    expect(masterChanges(backend)).toHaveLength(1);
    expect(masterChanges(backend)[0]?.event.data).toMatchObject({
      previous: `127.0.0.1:${old.port}`,
      current: `127.0.0.1:${newPort}`,
    });
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(`127.0.0.1:${newPort}`);
    expect((await backend.parameters.get('/test/app/url'))?.value).toBe(
      `redis://:${PASSWORD}@127.0.0.1:${newPort}`,
    );
    expect(await backend.state.getClusterState('test')).toMatchObject({
      master: { port: newPort },
      configEpoch: expect.any(Number),
    });
  });

  it('treats a frozen (SIGSTOP) master as unreachable, then follows the failover', async () => {
    const { topology, backend, old, reconcile } = await setUp();

    topology.signal(old, 'SIGSTOP');
    try {
      const frozen = await reconcile();
      const newPort = await waitForFailover(topology, old.port);
      const after = await reconcile();

      expect(frozen.verdict.status).toBe('critical');
      expect(frozen.verdict.reasons.map((r) => r.code)).toContain('MASTER_UNREACHABLE');
      expect(frozen.verdict.reasons.find((r) => r.code === 'MASTER_UNREACHABLE')?.message).toMatch(
        /timed out/,
      );
      expect(frozen.parametersWritten).toEqual([]);
      expect(after.verdict).toMatchObject({ isConfirmed: true, master: { port: newPort } });
      expect(masterChanges(backend)).toHaveLength(1);
      expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(`127.0.0.1:${newPort}`);
    } finally {
      topology.signal(old, 'SIGCONT');
    }
  });
});
