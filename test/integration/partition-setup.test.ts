// When the partition tests skip and when they fail: they may skip only where root cannot build
// network namespaces; a machine that can but lacks a program is a broken setup and must fail,
// naming the program. Fake `ip` programs on a private PATH stand in for the machine.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertNamespaceTools, whyNoNamespaces } from '../support/netns';

const originalPath = process.env.PATH;
const dirs: string[] = [];
afterEach(() => {
  process.env.PATH = originalPath;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Makes `PATH` a fresh folder holding only the given shell scripts, by program name. */
function pathWith(programs: Record<string, string>): void {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ha-test-'));
  dirs.push(dir);
  for (const [name, script] of Object.entries(programs)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  process.env.PATH = dir;
}

const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
if (!isRoot) console.log('partition setup: the namespace probe tests need root on Linux');

describe('the partition tests setup', () => {
  it('names the missing program and its package when `ip` or `nft` is not installed', () => {
    pathWith({});
    expect(() => assertNamespaceTools()).toThrow(/need `ip`.*apt-get install -y iproute2/);
    pathWith({ ip: 'exit 0' });
    expect(() => assertNamespaceTools()).toThrow(/need `nft`.*apt-get install -y nftables/);
    pathWith({ ip: 'exit 0', nft: 'exit 0' });
    expect(() => assertNamespaceTools()).not.toThrow();
  });

  it.skipIf(!isRoot)(
    'skips, quoting the error of `ip netns add`, when root may not create a namespace',
    () => {
      pathWith({
        ip: `[ "$1 $2" = "netns add" ] && { echo 'mount --make-shared /run/netns failed: Operation not permitted' >&2; exit 1; }; exit 0`,
      });
      expect(whyNoNamespaces()).toBe(
        'root cannot create a network namespace here (`ip netns add`: mount --make-shared /run/netns failed: Operation not permitted)',
      );
    },
  );

  it.skipIf(!isRoot)('does not skip when root may create a namespace', () => {
    pathWith({ ip: 'exit 0' });
    expect(whyNoNamespaces()).toBeNull();
  });
});
