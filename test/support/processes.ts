// Lists running processes by command line, for tests that must prove they left none behind.
// It must never answer "none" when it could not look: that would make such a test pass blind.
import { spawnSync } from 'node:child_process';

/**
 * Pids of the processes whose full command line contains `pattern` (`pgrep -f`). Throws when
 * the processes cannot be listed (no pgrep, pgrep failed), so a caller never mistakes
 * "could not look" for "none running".
 */
export function processesMatching(pattern: string, pgrep = 'pgrep'): string[] {
  const result = spawnSync(pgrep, ['-f', pattern], { encoding: 'utf8' });
  if (result.error) throw new Error(`cannot list processes: ${pgrep}: ${result.error.message}`);
  // pgrep: 0 some matched, 1 none matched, 2 and 3 errors.
  if (result.status === 1) return [];
  if (result.status !== 0) {
    const why = result.stderr.trim() || `signal ${String(result.signal)}`;
    throw new Error(`cannot list processes: ${pgrep} exited ${String(result.status)}: ${why}`);
  }
  return result.stdout.trim().split('\n').filter(Boolean);
}
