// The local store through the CLI: a store that existed is never silently replaced, every
// store or input fault has a clear message naming the path and its own exit code, and the
// store's location and key come from the environment when no option is given.
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, KEY_FILE } from '../../functions/adapters/local/local-database';
import { ExitCode } from '../../cli/exit-codes';
import { cli } from '../support/in-process-cli';
import { Harness } from '../support/topology';
import { expectNoSecret } from '../support/secrets';

const harness = new Harness();
afterAll(() => harness.cleanup());
const SECRET = 'Store-Cli-Secret-5e4d3c2b1a';

/** A store with one plain and one secure parameter, made through the CLI. */
async function populatedStore(): Promise<string> {
  const store = join(harness.tempDir(), 'store');
  expect((await cli(['params', 'put', '/app/host', 'h1', '--store', store])).code).toBe(0);
  const secure = await cli(['params', 'put', '/app/password', '--secure', '--store', store], {
    input: `${SECRET}\n`,
  });
  expect(secure.code).toBe(0);
  return store;
}

describe('a new store', () => {
  it('is created on first put, with a 0700 folder, a 0600 database and a 0600 secret.key', async () => {
    const store = await populatedStore();

    expect(statSync(store).mode & 0o777).toBe(0o700);
    expect(statSync(join(store, DATABASE_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(store, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect((await cli(['params', 'get', '/app/host', '--store', store])).stdout).toBe('h1\n');
  });

  it('is not created by a command that only reads, which says the store does not exist', async () => {
    const store = join(harness.tempDir(), 'typo');

    const list = await cli(['params', 'list', '--store', store]);
    const events = await cli(['events', '--store', store]);

    expect(list.code).toBe(0);
    expect(list.stderr).toContain(`store ${store} does not exist yet`);
    expect(events.code).toBe(0);
    expect(events.stderr).toContain(`store ${store} does not exist yet`);
    expect(existsSync(store)).toBe(false);
  });
});

describe('a store that existed', () => {
  it('is not re-created when its database was deleted: exit 74 naming the file', async () => {
    const store = await populatedStore();
    rmSync(join(store, DATABASE_FILE));

    const put = await cli(['params', 'put', '/app/host', 'h2', '--store', store]);

    expect(put.code).toBe(ExitCode.ioError);
    expect(put.stderr).toContain(`database ${join(store, DATABASE_FILE)} is missing`);
    expect(put.stderr).toContain('Restore redis-ha.db from a backup');
    expect(existsSync(join(store, DATABASE_FILE))).toBe(false);
  });

  it('is not replaced when its database is 0 bytes: exit 74 naming the file', async () => {
    const store = await populatedStore();
    truncateSync(join(store, DATABASE_FILE), 0);

    const status = await cli(['params', 'list', '--store', store]);

    expect(status.code).toBe(ExitCode.ioError);
    expect(status.stderr).toContain(`store database ${join(store, DATABASE_FILE)} is empty`);
    expect(statSync(join(store, DATABASE_FILE)).size).toBe(0);
  });

  it('does not get a new key when secret.key was deleted: exit 78 naming the key file', async () => {
    const store = await populatedStore();
    rmSync(join(store, KEY_FILE));

    const get = await cli(['params', 'get', '/app/password', '--store', store, '--reveal']);
    const put = await cli(['params', 'put', '/app/other', 'x', '--secure', '--store', store]);

    expect(get.code).toBe(ExitCode.config);
    expect(get.stderr).toContain(`its key ${join(store, KEY_FILE)} is missing`);
    expect(put.code).toBe(ExitCode.config);
    expect(existsSync(join(store, KEY_FILE))).toBe(false);
  });

  it('is refused when the database is not a database: exit 74 naming the file', async () => {
    const store = await populatedStore();
    writeFileSync(join(store, DATABASE_FILE), 'garbage '.repeat(1000));

    const list = await cli(['params', 'list', '--store', store]);

    expect(list.code).toBe(ExitCode.ioError);
    expect(list.stderr).toContain(join(store, DATABASE_FILE));
    expect(list.stderr).not.toContain('internal error');
  });
});

describe('paths and keys', () => {
  it('refuses a store path that is a file: exit 74 naming it', async () => {
    const file = join(harness.tempDir(), 'not-a-folder');
    writeFileSync(file, 'x');

    const result = await cli(['params', 'put', '/a', 'b', '--store', file]);

    expect(result.code).toBe(ExitCode.ioError);
    expect(result.stderr).toContain(`store ${file} is a file, not a folder`);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('refuses an inventory path that is a directory: exit 66 naming it', async () => {
    const dir = harness.tempDir();
    mkdirSync(join(dir, 'inventory.yaml'));

    const result = await cli(['validate', '-i', join(dir, 'inventory.yaml')]);

    expect(result.code).toBe(ExitCode.noInput);
    expect(result.stderr).toContain(`inventory ${join(dir, 'inventory.yaml')} is not a file`);
  });

  it('refuses a malformed REDIS_HA_LOCAL_KEY with exit 78, without echoing it', async () => {
    const store = join(harness.tempDir(), 'store');
    const badKey = 'bm90LWEta2V5LWF0LWFsbA==';

    const result = await cli(['params', 'put', '/a', 'b', '--secure', '--store', store], {
      env: { REDIS_HA_LOCAL_KEY: badKey },
    });

    expect(result.code).toBe(ExitCode.config);
    expect(result.stderr).toContain('REDIS_HA_LOCAL_KEY does not hold a valid key');
    expect(result.stderr).not.toContain(badKey);
  });

  it('seals with REDIS_HA_LOCAL_KEY instead of a key file, and needs the same key to read', async () => {
    const store = join(harness.tempDir(), 'store');
    const key = Buffer.alloc(32, 3).toString('base64');
    const env = { REDIS_HA_LOCAL_KEY: key };

    const put = await cli(['params', 'put', '/a', '--secure', '--store', store], {
      env,
      input: SECRET,
    });
    const withKey = await cli(['params', 'get', '/a', '--reveal', '--store', store], { env });
    const withoutKey = await cli(['params', 'get', '/a', '--reveal', '--store', store]);
    const otherKey = await cli(['params', 'get', '/a', '--reveal', '--store', store], {
      env: { REDIS_HA_LOCAL_KEY: Buffer.alloc(32, 4).toString('base64') },
    });

    expect(put.code).toBe(0);
    expect(existsSync(join(store, KEY_FILE))).toBe(false);
    expect(withKey.stdout).toBe(`${SECRET}\n`);
    expect(withoutKey.code).toBe(ExitCode.config);
    expect(otherKey.code).toBe(ExitCode.config);
    expect(otherKey.stderr).toContain('could not be decrypted with the key in REDIS_HA_LOCAL_KEY');
    expectNoSecret(
      [put, withoutKey, otherKey].flatMap((r) => [r.stdout, r.stderr]),
      { 'stored secret': SECRET },
    );
  });

  it('refuses to put a parameter Parameter Store would refuse, without echoing the name', async () => {
    const store = join(harness.tempDir(), 'store');

    const result = await cli(['params', 'put', 'aws/Secret Value', 'x', '--store', store]);

    expect(result.code).toBe(ExitCode.dataError);
    expect(result.stderr).toContain('params put: not a Parameter Store name: only letters, digits');
    expect(result.stderr).not.toContain('Secret Value');
    expect(existsSync(store)).toBe(false);
  });

  it('uses REDIS_HA_STORE and REDIS_HA_INVENTORY when no option is given', async () => {
    const store = await populatedStore();
    const dir = harness.tempDir();
    const inventory = join(dir, 'inv.yaml');
    writeFileSync(
      inventory,
      'clusters:\n  - name: envcluster\n    sentinels: ["127.0.0.1:26379"]\n    masterName: m\n    passwordParameter: /app/password\n',
    );
    const env = { REDIS_HA_STORE: store, REDIS_HA_INVENTORY: inventory };

    const get = await cli(['params', 'get', '/app/host'], { env });
    const validate = await cli(['validate'], { env });
    const status = await cli(['status', '--json'], { env });
    const optionWins = await cli(['params', 'get', '/app/host', '--store', join(dir, 'none')], {
      env,
    });

    expect(get.stdout).toBe('h1\n');
    expect(validate.stdout).toBe(`${inventory}: ok, 1 cluster(s)\n`);
    expect(JSON.parse(status.stdout)).toEqual([expect.objectContaining({ cluster: 'envcluster' })]);
    expect(optionWins.code).toBe(ExitCode.dataError);
    expect(optionWins.stderr).toContain('does not exist yet');
  });
});
