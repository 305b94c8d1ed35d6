// What a script sees, against a real topology: --json output on stdout parses as it stands
// (logs stay on stderr), --log-level filters the JSON logs, and the read-only commands work on
// a store nobody may write, while a command that writes exits 77 and changes nothing.
import { chmodSync, chownSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/exit-codes';
import { openLocalBackend } from '../../functions/adapters/local/local-backend';
import { buildEvent, EventType } from '../../functions/core/events';
import { cli, cliAsUser, type CliOutcome } from '../support/in-process-cli';
import {
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  writeInventory,
  type Topology,
} from '../support/topology';
import { expectNoSecret } from '../support/secrets';

const harness = new Harness();
let topology: Topology;
let inventory: string;
afterAll(() => harness.cleanup());

beforeAll(async () => {
  topology = await harness.topology();
  inventory = writeInventory(harness.tempDir(), inventoryFor(topology));
});

/** A fresh store holding the cluster's password. */
async function storeWithPassword(): Promise<string> {
  const store = join(harness.tempDir(), 'store');
  const put = await cli(['params', 'put', PASSWORD_PARAMETER, '--secure', '--store', store], {
    input: PASSWORD,
  });
  expect(put.code).toBe(0);
  return store;
}

const logLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { level: string; message: string });

describe('output for scripts', () => {
  it('keeps probe --json parseable on stdout while the logs go to stderr as JSON lines', async () => {
    const store = await storeWithPassword();

    const probe = await cli(['probe', '-i', inventory, '--store', store, '--json']);

    expect(probe.code).toBe(0);
    expect(JSON.parse(probe.stdout)).toEqual([expect.objectContaining({ status: 'ok' })]);
    expect(logLines(probe.stderr)).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: 'platform parameters written' }),
    );
  });

  it('keeps status, params and events --json parseable on stdout', async () => {
    const store = await storeWithPassword();
    await cli(['probe', '-i', inventory, '--store', store, '--log-level', 'silent']);
    const writer = openLocalBackend(store, { envKey: undefined });
    await writer.events.publish(
      buildEvent({
        source: 'urn:redis-ha:test',
        type: EventType.healthChanged,
        cluster: 'test',
        cause: 'output-test',
        severity: 'warning',
        time: new Date(),
        data: { previous: 'ok', status: 'degraded', reasons: [] },
      }),
    );
    writer.close();

    const status = await cli(['status', '-i', inventory, '--store', store, '--json']);
    const list = await cli(['params', 'list', '--store', store, '--json']);
    const get = await cli(['params', 'get', '/test/app/addr', '--store', store, '--json']);
    const events = await cli(['events', '--store', store, '--json']);

    expect(JSON.parse(status.stdout)).toEqual([expect.objectContaining({ cluster: 'test' })]);
    expect(JSON.parse(list.stdout)).toContainEqual(
      expect.objectContaining({ name: '/test/app/url', value: '********' }),
    );
    expect(JSON.parse(get.stdout)).toMatchObject({ name: '/test/app/addr', isSecure: false });
    expect(events.stdout).not.toBe('');
    for (const line of events.stdout.trimEnd().split('\n'))
      expect(JSON.parse(line)).toHaveProperty('type');
    expectNoSecret(
      [status, list, get, events].flatMap((r) => [r.stdout, r.stderr]),
      { password: PASSWORD },
    );
  });

  it.each(['warn', 'error', 'silent'])(
    '--log-level %s drops the info logs a first probe writes',
    async (level) => {
      const store = await storeWithPassword();

      const probe = await cli([
        'probe',
        '-i',
        inventory,
        '--store',
        store,
        '--json',
        '--log-level',
        level,
      ]);

      expect(probe.code).toBe(0);
      expect(probe.stderr).toBe('');
      expect(JSON.parse(probe.stdout)).toEqual([
        expect.objectContaining({ parametersWritten: expect.arrayContaining(['/test/app/addr']) }),
      ]);
    },
  );

  it('honours REDIS_HA_LOG_LEVEL when no --log-level is given', async () => {
    const store = await storeWithPassword();

    const probe = await cli(['probe', '-i', inventory, '--store', store], {
      env: { REDIS_HA_LOG_LEVEL: 'silent' },
    });

    expect(probe.code).toBe(0);
    expect(probe.stderr).toBe('');
  });
});

describe('a read-only store', () => {
  it('serves status, params get|list, events, rotations and probe --read-only, and refuses a put with 77', async () => {
    const store = await storeWithPassword();
    expect(
      (await cli(['probe', '-i', inventory, '--store', store, '--log-level', 'silent'])).code,
    ).toBe(0);
    // Root ignores file modes: run the commands as nobody, on a store nobody owns read-only.
    const isRoot = process.getuid?.() === 0;
    const user = isRoot ? { uid: 65534, gid: 65534 } : {};
    for (const dir of [join(store, '..'), join(inventory, '..')]) chmodSync(dir, 0o755);
    chmodSync(inventory, 0o644);
    const files = readdirSync(store);
    const before = files.map((f) => readFileSync(join(store, f)));
    const run = (args: string[]) => cliAsUser([...args, '--store', store, '-i', inventory], user);
    let results: Record<'status' | 'get' | 'list' | 'events' | 'rotations' | 'probe', CliOutcome>;
    let put: CliOutcome;
    try {
      for (const file of files) {
        if (isRoot) chownSync(join(store, file), 65534, 65534);
        chmodSync(join(store, file), 0o400);
      }
      if (isRoot) chownSync(store, 65534, 65534);
      chmodSync(store, 0o500);
      results = {
        status: await run(['status', '--json']),
        get: await run(['params', 'get', '/test/app/addr']),
        list: await run(['params', 'list']),
        events: await run(['events']),
        rotations: await run(['rotations', '--json']),
        probe: await run(['probe', '--read-only', '--json']),
      };
      put = await run(['params', 'put', '/x', 'y']);
    } finally {
      // Writable again, whatever happened: a user other than root could not delete it else.
      chmodSync(store, 0o700);
      for (const file of files) chmodSync(join(store, file), 0o600);
    }

    for (const [name, result] of Object.entries(results))
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
    expect(JSON.parse(results.status.stdout)).toEqual([expect.objectContaining({ status: 'ok' })]);
    expect(JSON.parse(results.rotations.stdout)).toEqual([
      expect.objectContaining({ cluster: 'test', journal: [] }),
    ]);
    expect(results.get.stdout).toBe(`127.0.0.1:${topology.nodes[0]?.port}\n`);
    expect(JSON.parse(results.probe.stdout)).toEqual([
      expect.objectContaining({ status: 'ok', parametersWritten: [] }),
    ]);
    expect(put.code).toBe(ExitCode.noPermission);
    expect(put.stderr).toContain(`store ${join(store, 'redis-ha.db')} is not writable`);
    expect(readdirSync(store).map((f) => readFileSync(join(store, f)))).toEqual(before);
  });

  it('is refused with exit 77 naming it when the user may not read it', async () => {
    const store = await storeWithPassword();
    const isRoot = process.getuid?.() === 0;
    chmodSync(join(store, '..'), 0o755);
    let status: CliOutcome;
    try {
      chmodSync(store, isRoot ? 0o700 : 0o000); // as root: owned by root, read by nobody
      status = await cliAsUser(
        ['params', 'list', '--store', store],
        isRoot ? { uid: 65534, gid: 65534 } : {},
      );
    } finally {
      chmodSync(store, 0o700);
    }

    expect(status.code).toBe(ExitCode.noPermission);
    expect(status.stderr).toContain(`store ${join(store, 'redis-ha.db')} cannot be read`);
    expect(status.stderr).not.toContain('internal error');
  });
});
