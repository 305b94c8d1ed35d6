// `npm start` runs the sandbox: a real failover with its timeline, then a rotation with its
// own. It must succeed, show the parameters pointing at the new master with the password
// masked, and leave no process behind.
import { describe, expect, it } from 'vitest';
import { processesInGroup } from '../support/processes';
import { runCli } from '../support/topology';

/**
 * What is still running in the sandbox's process group (its own redis-servers and sentinels,
 * never those of other test files running at the same time), once what it killed has had up
 * to `timeoutMs` to go. Throws when the processes cannot be listed: "none left" must mean
 * someone looked.
 */
async function leftBehind(groupId: number, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = processesInGroup(groupId);
    if (pids.length === 0 || Date.now() > deadline) return pids;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('sandbox', () => {
  it('fails the master over, rotates the password, prints both timelines, then cleans up', async () => {
    const result = await runCli(['sandbox'], { ownProcessGroup: true });
    const remaining = result.pid === undefined ? [] : await leftBehind(result.pid);
    // Stop what it left behind before asserting: a failing run must not leak into the next.
    if (result.pid !== undefined && remaining.length > 0) {
      try {
        process.kill(-result.pid, 'SIGKILL');
      } catch {
        // Already gone between the listing and the kill: nothing to stop.
      }
    }
    const lines = result.stdout.split('\n');
    const newMaster =
      /OK: failover seen and every platform parameter points at the new master (\S+)/.exec(
        result.stdout,
      )?.[1];

    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const step of [
      'SIGKILL master',
      '+odown',
      '+switch-master',
      'event redis-ha.master.changed published',
      'platform parameters written',
    ]) {
      expect(
        lines.some((l) => /^\s+\d+\s/.test(l) && l.includes(step)),
        step,
      ).toBe(true);
    }
    expect(newMaster).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(result.stdout).toMatch(new RegExp(`/sandbox/tyk/redis/addrs\\s+${newMaster}`));
    expect(result.stdout).toContain(`${newMaster},password=********,ssl=false`);
    expect(result.stdout).not.toMatch(/password=(?!\*{8})/);
    for (const step of [
      'pending-stored',
      'nodes-added',
      'sentinels-updated',
      'verified',
      'published',
      'old-removed',
      'completed',
    ]) {
      expect(
        lines.some((l) => new RegExp(`^\\s+\\d+\\s+${step}\\s+done$`).test(l)),
        step,
      ).toBe(true);
    }
    expect(result.stdout).toContain('OK: rotated with zero downtime');
    expect(result.pid).toBeDefined();
    expect(remaining).toEqual([]);
  });
});
