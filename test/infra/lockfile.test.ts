// package-lock.json must agree with package.json, or `npm install` in a fresh clone rewrites
// the lock and leaves the clone dirty (issue 10, point 19).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const FIELDS = [
  'name',
  'version',
  'license',
  'bin',
  'engines',
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
] as const;

describe('package-lock.json', () => {
  it('records package.json as it is, so that npm install leaves a clone clean', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, unknown>;
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
      packages: Record<string, Record<string, unknown>>;
    };
    const root = lock.packages[''] ?? {};
    for (const field of FIELDS) expect(root[field], field).toEqual(manifest[field]);
  });
});
