// Password rotation on real topologies: requirepass-style default user, an ACL user (users in
// an ACL file), and CONFIG renamed. After each rotation every node and sentinel is restarted:
// the new password works, the old one is refused, replication and sentinels are healthy.
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileCluster } from '../../functions/control/reconcile';
import { probeCluster } from '../../functions/control/probe-cluster';
import { accepts, restartAll, runnerFor } from '../support/rotation';
import {
  clusterFor,
  controlDepsFor,
  Harness,
  PASSWORD,
  PASSWORD_PARAMETER,
} from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('rotation', () => {
  it.each([
    ['requirepass-style default user', {}],
    ['an ACL user kept in an ACL file', { username: 'app', useAclFile: true }],
    [
      'CONFIG renamed as in the RP-PAM guide',
      { commandRenames: { CONFIG: 'RPPAM_CONFIG_b7d3a1' } },
    ],
  ])('rotates with %s and survives a restart of every process', async (_name, topologyOptions) => {
    const topology = await harness.topology(topologyOptions);
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    const cluster = clusterFor(
      topology,
      'commandRenames' in topologyOptions ? { commandRenames: topologyOptions.commandRenames } : {},
    );
    await reconcileCluster(cluster, controlDepsFor(backend));
    const { runner, deps } = runnerFor(cluster, backend);

    const record = await runner.run();
    const newPassword = (await backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '';
    await restartAll(topology);
    await topology.waitForSentinels();
    const probe = await probeCluster(cluster, deps);

    expect(record.phase).toBe('completed');
    expect(newPassword).toMatch(/^[A-Za-z0-9\-_.~]{48}$/);
    for (const node of topology.nodes) {
      expect(await accepts(topology, node.port, newPassword), `new on ${node.port}`).toBe(true);
      expect(await accepts(topology, node.port, PASSWORD), `old on ${node.port}`).toBe(false);
    }
    expect(probe.verdict).toMatchObject({ status: 'ok', isConfirmed: true });
    expect((await backend.parameters.get('/test/app/url'))?.value).toContain(
      `redis://:${newPassword}@`,
    );
    expect(await backend.parameters.get(`${PASSWORD_PARAMETER}/pending`)).toBeUndefined();
    expect(await backend.parameters.get(`${PASSWORD_PARAMETER}/previous`)).toBeUndefined();
    expect(backend.events.list({ limit: 100 }).map((e) => e.event.type)).toEqual(
      expect.arrayContaining([
        'redis-ha.rotation.started',
        'redis-ha.rotation.succeeded',
        'redis-ha.rotation.completed',
      ]),
    );
    const trail =
      JSON.stringify(await backend.state.readJournal()) +
      JSON.stringify(backend.events.list({ limit: 100 })) +
      deps.log.text();
    expect(trail).not.toContain(newPassword);
    expect(trail).not.toContain(PASSWORD);
  });
});
