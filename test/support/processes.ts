// Lists running processes, for tests that must prove they left none behind. It must never
// answer "none" when it could not look: that would make such a test pass blind.
import { spawnSync } from 'node:child_process';

/**
 * Pids of the processes whose full command line contains `pattern` (`pgrep -f`). Throws when
 * the processes cannot be listed (no pgrep, pgrep failed), so a caller never mistakes
 * "could not look" for "none running".
 */
export function processesMatching(pattern: string, pgrep = 'pgrep'): string[] {
  return runPgrep(pgrep, ['-f', pattern]);
}

/**
 * Pids of the processes in process group `groupId` (`pgrep -g`). A child started with
 * `detached: true` leads its own group, and everything it starts stays in it even after the
 * leader has exited and its orphans were handed to init: unlike "descendants of pid", this
 * still finds what a finished command left behind, and unlike a command-line match it never
 * counts processes that other tests, running at the same time, started. Throws when the
 * processes cannot be listed.
 */
export function processesInGroup(groupId: number, pgrep = 'pgrep'): string[] {
  return runPgrep(pgrep, ['-g', String(groupId)]);
}

function runPgrep(pgrep: string, args: readonly string[]): string[] {
  const result = spawnSync(pgrep, args, { encoding: 'utf8' });
  if (result.error) throw new Error(`cannot list processes: ${pgrep}: ${result.error.message}`);
  // pgrep: 0 some matched, 1 none matched, 2 and 3 errors.
  if (result.status === 1) return [];
  if (result.status !== 0) {
    const why = result.stderr.trim() || `signal ${String(result.signal)}`;
    throw new Error(`cannot list processes: ${pgrep} exited ${String(result.status)}: ${why}`);
  }
  return result.stdout.trim().split('\n').filter(Boolean);
}
