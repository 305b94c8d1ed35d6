// The process listings the sandbox test relies on to prove it left no redis-server behind.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { processesInGroup, processesMatching } from '../support/processes';
import { eventually } from '../support/topology';

describe('processesMatching', () => {
  it('finds a running process by a word of its command line', async () => {
    const marker = `redis-ha-processes-test-${randomUUID()}`;
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], {
      stdio: 'ignore',
    });
    try {
      const pids = await eventually(
        async () => {
          const found = processesMatching(marker);
          return found.length > 0 ? found : undefined;
        },
        'the marked process to be listed',
        10_000,
      );
      expect(pids).toEqual([String(child.pid)]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('answers none when nothing matches', () => {
    expect(processesMatching(`redis-ha-no-such-process-${randomUUID()}`)).toEqual([]);
  });

  it('fails rather than answering none when it cannot list processes', () => {
    expect(() => processesMatching('redis-ha-topology-', '/nonexistent/pgrep')).toThrow(
      /cannot list processes: \/nonexistent\/pgrep: .*ENOENT/,
    );
    // pgrep runs but fails (exit 2: bad option): an error too, not an empty list.
    expect(() => processesMatching('--no-such-option-for-pgrep')).toThrow(
      /cannot list processes: pgrep exited 2/,
    );
  });
});

describe('processesInGroup', () => {
  it('finds what a process group leader left running after it exited', async () => {
    // The leader starts a child in its group and exits without waiting for it, as a sandbox
    // that forgot a redis-server would.
    const leader = spawn('sh', ['-c', 'sleep 300 >/dev/null 2>&1 & echo $!'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let orphan = '';
    leader.stdout.on('data', (chunk: Buffer) => (orphan += chunk.toString()));
    await new Promise((resolve) => leader.once('close', resolve));
    const groupId = leader.pid as number;
    try {
      expect(orphan.trim()).toMatch(/^\d+$/);
      expect(processesInGroup(groupId)).toEqual([orphan.trim()]);
    } finally {
      process.kill(-groupId, 'SIGKILL');
    }
  });

  it('answers none once every process of the group has exited', async () => {
    const leader = spawn('sh', ['-c', 'exit 0'], { detached: true, stdio: 'ignore' });
    await new Promise((resolve) => leader.once('close', resolve));
    expect(processesInGroup(leader.pid as number)).toEqual([]);
  });

  it('fails rather than answering none when it cannot list processes', () => {
    expect(() => processesInGroup(1, '/nonexistent/pgrep')).toThrow(
      /cannot list processes: \/nonexistent\/pgrep: .*ENOENT/,
    );
  });
});
