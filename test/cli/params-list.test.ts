// `redis-ha params list [path]` takes a Parameter Store hierarchy path, as GetParametersByPath
// does: everything under it, recursively (default /); a path not starting with / is a usage
// error that names it, before any store is opened.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/exit-codes';
import { cli } from '../support/in-process-cli';

let dir: string;
let store: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redis-ha-params-list-'));
  store = join(dir, 'store');
  for (const name of ['/app/a', '/app/a/b', '/apple', '/other/x'])
    expect((await cli(['params', 'put', name, 'v', '--store', store])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const listed = async (...path: string[]) => {
  const result = await cli(['params', 'list', ...path, '--store', store, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { name: string }[]).map((p) => p.name);
};

describe('params list [path]', () => {
  it('lists every parameter by default', async () => {
    expect(await listed()).toEqual(['/app/a', '/app/a/b', '/apple', '/other/x']);
  });

  it.each(['/app', '/app/'])(
    'lists everything under %s, recursively, and never /apple',
    async (path) => {
      expect(await listed(path)).toEqual(['/app/a', '/app/a/b']);
    },
  );

  it('lists nothing under a path that holds nothing', async () => {
    expect(await listed('/nothing')).toEqual([]);
  });

  it.each(['app', 'app/a', '*'])(
    'refuses %j with a usage error naming it, and does not touch the store',
    async (path) => {
      const missing = join(dir, 'no-store');
      const result = await cli(['params', 'list', path, '--store', missing]);

      expect(result.code).toBe(ExitCode.usage);
      expect(result.stderr).toBe(
        `redis-ha: params list: path ${JSON.stringify(path)} must start with / (a Parameter Store hierarchy such as /myapp; default /, everything)\n`,
      );
      expect(existsSync(missing)).toBe(false);
    },
  );
});
