// `npm start` runs the sandbox: a real failover with its timeline, then a rotation with its
// own. It must succeed, show the parameters pointing at the new master with the password
// masked, and leave no process behind.
import { describe, expect, it } from 'vitest';
import { processesMatching } from '../support/processes';
import { runCli } from '../support/topology';

// Throws when the processes cannot be listed: "none left" must mean someone looked.
const redisServers = () => processesMatching('redis-ha-topology-');

describe('sandbox', () => {
  it('fails the master over, rotates the password, prints both timelines, then cleans up', async () => {
    const before = new Set(redisServers());

    const result = await runCli(['sandbox']);
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
    expect(redisServers().filter((pid) => !before.has(pid))).toEqual([]);
  });
});
