// Vitest global setup: builds the CLI (dist/redis-ha.mjs) before any test file runs, when it is
// missing or older than its sources, so that process tests run what `npx redis-ha` runs, even
// in a fresh clone. It never builds during the tests (two workers would race to it).
import { execFileSync } from 'node:child_process';

export default function buildCli(): void {
  execFileSync(process.execPath, ['scripts/build-cli.mjs', '--if-stale'], { stdio: 'inherit' });
}
