// "Probe every cluster" as one use case: every cluster of an inventory reconciled, a few at a
// time, each one's failure its own outcome; an aborted run starts no cluster.
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileAll } from '../../functions/control/reconcile-all';
import type { StateStore } from '../../functions/core/ports';
import {
  controlDepsFor,
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
} from '../support/topology';
import type { SentinelCluster } from '../../functions/core/inventory';

const harness = new Harness();
afterEach(() => harness.cleanup());

/** The topology's cluster under several names (all reconciled against the same sentinels). */
function clustersNamed(topology: Parameters<typeof inventoryFor>[0], names: readonly string[]) {
  return names.map((name) => inventoryFor(topology, {}, name).clusters[0] as SentinelCluster);
}

describe('reconcileAll', () => {
  it('reconciles every cluster in order and reports a failing one without stopping the others', async () => {
    const topology = await harness.topology();
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    // The store refuses one cluster's state, as a throttled or unreachable table would.
    const state = new Proxy(backend.state, {
      get(target, key, receiver) {
        if (key === 'getClusterState')
          return async (cluster: string) => {
            if (cluster === 'broken') throw new Error('state table unavailable');
            return target.getClusterState(cluster);
          };
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as StateStore;
    const deps = controlDepsFor(backend, { state });

    const outcomes = await reconcileAll(clustersNamed(topology, ['a', 'broken', 'c']), deps, {
      concurrency: 2,
    });

    expect(outcomes.map((o) => [o.cluster, o.kind])).toEqual([
      ['a', 'reconciled'],
      ['broken', 'failed'],
      ['c', 'reconciled'],
    ]);
    expect(outcomes[1]).toMatchObject({ error: new Error('state table unavailable') });
    for (const o of outcomes)
      if (o.kind === 'reconciled') expect(o.report.verdict.status).toBe('ok');
    expect((await backend.state.getClusterState('a'))?.status).toBe('ok');
    expect((await backend.state.getClusterState('c'))?.status).toBe('ok');
    expect(deps.log.text()).toContain('reconcile failed');
    expect(deps.log.text()).not.toContain(PASSWORD);
  });

  it('starts no cluster once the signal is aborted, and acts on none', async () => {
    const topology = await harness.topology();
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const controller = new AbortController();
    controller.abort();

    const outcomes = await reconcileAll(
      clustersNamed(topology, ['a', 'b']),
      controlDepsFor(backend),
      { signal: controller.signal },
    );

    expect(outcomes).toEqual([
      { cluster: 'a', kind: 'aborted' },
      { cluster: 'b', kind: 'aborted' },
    ]);
    expect(await backend.state.listClusterStates()).toEqual([]);
  });

  it('only reports on a read-only run', async () => {
    const topology = await harness.topology();
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });

    const outcomes = await reconcileAll(clustersNamed(topology, ['a']), controlDepsFor(backend), {
      isReadOnly: true,
    });

    expect(outcomes[0]).toMatchObject({
      kind: 'reconciled',
      report: { verdict: { status: 'ok' } },
    });
    expect(await backend.state.listClusterStates()).toEqual([]);
    expect(await backend.parameters.get('/test/app/addr')).toBeUndefined();
  });
});
