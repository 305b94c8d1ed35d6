// `redis-ha watch` as an operator runs it: a long-running process that logs transitions,
// starts the rotations the inventory's schedule says are due and finishes them after the
// grace period, and stops cleanly on Ctrl-C.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLocalBackend } from '../../functions/adapters/local/local-backend';
import type { RotationRecord } from '../../functions/core/rotation';
import {
  eventually,
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  startCli,
  writeInventory,
} from '../support/topology';
import { expectNoSecret, fingerprint } from '../support/secrets';

const harness = new Harness();
afterAll(() => harness.cleanup());

describe('redis-ha watch', () => {
  it('logs transitions, runs a due rotation to completion, and stops on Ctrl-C with one line and exit 0', async () => {
    const topology = await harness.topology();
    const dir = harness.tempDir();
    const store = join(dir, 'store');
    const inventory = writeInventory(
      dir,
      inventoryFor(topology, { rotation: { everyDays: 30, gracePeriod: '1s' } }),
    );
    const backend = openLocalBackend(store);
    try {
      await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
      const watch = startCli(['watch', '-i', inventory, '--store', store, '--interval', '500ms']);

      const record = await eventually(
        async () => {
          const r = (await backend.state.getRotation('test')) as RotationRecord | undefined;
          return r?.phase === 'completed' && r;
        },
        'the scheduled rotation to complete',
        30_000,
      );
      const replica = topology.nodes[1];
      if (!replica) throw new Error('no replica');
      await topology.kill(replica);
      await eventually(async () => {
        const { stdout, stderr } = watch.output();
        return stdout.includes('REPLICA_DOWN') && stderr.includes('"channel":"+sdown"');
      }, 'the transition and the sentinel event to be logged');
      const result = await watch.stop();
      const password = (await backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '';

      expect(record.actor).toBe('schedule');
      expect(fingerprint(password)).not.toBe(fingerprint(PASSWORD));
      expect(await topology.accepts(topology.nodes[0]?.port as number, password)).toBe(true);
      expect(result.code).toBe(0);
      expect(result.signal).toBeNull();
      expect(result.stderr.split('\n').filter((line) => /stopped/.test(line))).toEqual([
        'stopped watching 1 cluster(s)',
      ]);
      expect(result.stderr).not.toMatch(/subscription lost/);
      expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('stopped watching 1 cluster(s)');
      expect(result.stderr).toMatch(/"message":"sentinel event".*"channel":"\+sdown"/);
      expect(result.stdout).toMatch(/redis-ha\.rotation\.completed/);
      expect(result.stdout).toMatch(/redis-ha\.health\.changed\s+ok -> degraded REPLICA_DOWN/);
      expectNoSecret([result.stdout, result.stderr], {
        'old password': PASSWORD,
        'new password': password,
      });
    } finally {
      backend.close();
    }
  });
});
