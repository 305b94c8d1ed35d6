// A rotation after a leak must leave the old secret dead everywhere: with an ACL `username`,
// the `default` user (requirepass) holding the same password is found at step 1, rotated in
// the same window and refused at step 7, and a restart from the rewritten config keeps it so.
import { afterEach, describe, expect, it } from 'vitest';
import type { RotationRecord } from '../../functions/core/rotation';
import { restartAll, runnerFor } from '../support/rotation';
import { acceptsAs } from '../support/rotation-inspect';
import { expectNoSecret } from '../support/secrets';
import { Harness, PASSWORD, PASSWORD_PARAMETER } from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('rotation of a password that other users share', () => {
  it('rotates the default user that held the same password as the ACL user, so that no user accepts the old one, even after a restart', async () => {
    const topology = await harness.topology({ username: 'app' });
    // requirepass and an enabled default user with the app user's password, persisted.
    for (const node of topology.nodes) {
      await topology.call(node.port, 'node', 'CONFIG', 'SET', 'requirepass', PASSWORD);
      await topology.call(
        node.port,
        'node',
        'ACL',
        'SETUSER',
        'default',
        'on',
        '~*',
        '&*',
        '+@all',
      );
      await topology.call(node.port, 'node', 'CONFIG', 'REWRITE');
    }
    const { backend, cluster } = await harness.primed(topology);
    const { runner, deps } = runnerFor(cluster, backend, { gracePeriodMs: 300 });
    const nodes = topology.nodes.map((n) => `127.0.0.1:${n.port}`);

    const result: RotationRecord = await runner.run();
    const password = (await backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '';
    const journal = await backend.state.readJournal({ cluster: 'test' });
    const events = backend.events.list({ limit: 100 }).map((e) => e.event);
    const beforeRestart: Record<string, boolean> = {};
    for (const node of topology.nodes) {
      for (const user of ['app', 'default']) {
        beforeRestart[`old ${user} ${node.port}`] = await acceptsAs(node.port, user, PASSWORD);
        beforeRestart[`new ${user} ${node.port}`] = await acceptsAs(node.port, user, password);
      }
    }
    await restartAll(topology);
    const afterRestart: Record<string, boolean> = {};
    for (const node of topology.nodes) {
      for (const user of ['app', 'default']) {
        afterRestart[`old ${user} ${node.port}`] = await acceptsAs(node.port, user, PASSWORD);
        afterRestart[`new ${user} ${node.port}`] = await acceptsAs(node.port, user, password);
      }
    }

    expect(result.phase, result.error ?? '').toBe('completed');
    expect(result.sharedPasswordUsers).toEqual(
      Object.fromEntries(nodes.map((node) => [node, ['default']])),
    );
    const started = journal.find((j) => j.step === 'started')?.detail ?? '';
    expect(started).toMatch(/old password also accepted by default on [^;]+: they rotate too/);
    for (const node of nodes) expect(started).toContain(node);
    const startedEvent = events.find((e) => e.type === 'redis-ha.rotation.started');
    expect((startedEvent?.data as Record<string, unknown>).sharedPasswordUsers).toEqual(
      result.sharedPasswordUsers,
    );
    for (const state of [beforeRestart, afterRestart]) {
      for (const node of topology.nodes) {
        for (const user of ['app', 'default']) {
          expect(state[`old ${user} ${node.port}`], `old as ${user} on ${node.port}`).toBe(false);
          expect(state[`new ${user} ${node.port}`], `new as ${user} on ${node.port}`).toBe(true);
        }
      }
    }
    const trail =
      JSON.stringify(journal) + JSON.stringify(events) + JSON.stringify(result) + deps.log.text();
    expectNoSecret([trail], { 'old password': PASSWORD, 'new password': password });
  });

  it('leaves users with another password alone', async () => {
    const topology = await harness.topology({ username: 'app' });
    for (const node of topology.nodes)
      await topology.call(
        node.port,
        'node',
        'ACL',
        'SETUSER',
        'ops',
        'on',
        '>Ops-Pw-0a1b2c3d4e5f6a7b',
        '+@all',
      );
    const { backend, cluster } = await harness.primed(topology);
    const { runner } = runnerFor(cluster, backend, { gracePeriodMs: 300 });

    const result = await runner.run();
    const password = (await backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '';

    expect(result.phase, result.error ?? '').toBe('completed');
    expect(result.sharedPasswordUsers).toEqual({});
    for (const node of topology.nodes) {
      expect(await acceptsAs(node.port, 'ops', 'Ops-Pw-0a1b2c3d4e5f6a7b')).toBe(true);
      expect(await acceptsAs(node.port, 'ops', password)).toBe(false);
      expect(await acceptsAs(node.port, 'default', PASSWORD)).toBe(false);
    }
  });
});
