// The CLI as a user runs it (a child process): exit codes, clear errors, masking, and a grep of
// everything printed and stored for the password.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  runCli,
  writeInventory,
  type Topology,
} from '../support/topology';
import { expectNoSecret } from '../support/secrets';

const harness = new Harness();
let topology: Topology;
let dir: string;
let inventory: string;
let store: string;
const printed: string[] = [];

async function cli(args: string[], input?: string) {
  const result = await runCli(args, input === undefined ? {} : { input });
  printed.push(result.stdout, result.stderr);
  return result;
}

beforeAll(async () => {
  topology = await harness.topology();
  dir = harness.tempDir();
  store = join(dir, 'store');
  inventory = writeInventory(dir, inventoryFor(topology));
  expect(
    (
      await cli(
        ['params', 'put', PASSWORD_PARAMETER, '--secure', '--store', store],
        `${PASSWORD}\n`,
      )
    ).code,
  ).toBe(0);
});
afterAll(() => harness.cleanup());

describe('redis-ha CLI', () => {
  it('probes with a table for people and exits 0 when healthy', async () => {
    const result = await cli(['probe', '-i', inventory, '--store', store]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^CLUSTER\s+STATUS\s+MASTER\s+SENTINELS\s+TIME\s+REASONS$/m);
    expect(result.stdout).toMatch(
      new RegExp(`^test\\s+OK\\s+127\\.0\\.0\\.1:${topology.nodes[0]?.port}\\s+3/3`, 'm'),
    );
  });

  it('prints JSON with --json and the last committed state with status', async () => {
    const probe = await cli(['probe', 'test', '-i', inventory, '--store', store, '--json']);
    const status = await cli(['status', '-i', inventory, '--store', store, '--json']);

    expect(JSON.parse(probe.stdout)).toEqual([
      expect.objectContaining({ cluster: 'test', status: 'ok', isConfirmed: true, reasons: [] }),
    ]);
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({
        cluster: 'test',
        status: 'ok',
        master: { host: '127.0.0.1', port: topology.nodes[0]?.port },
      }),
    ]);
  });

  it('masks secure parameters unless --reveal is given', async () => {
    const list = await cli(['params', 'list', '/test/', '--store', store]);
    const masked = await cli(['params', 'get', '/test/app/url', '--store', store]);
    const revealed = await cli(['params', 'get', '/test/app/url', '--store', store, '--reveal']);

    expect(list.stdout).toMatch(/\/test\/app\/url\s+SecureString\s+1\s+\S+\s+\*{8}/);
    expect(list.stdout).toMatch(/\/test\/app\/addr\s+String\s+1\s+\S+\s+127\.0\.0\.1:\d+/);
    expect(masked.stdout).toBe('********\n');
    expect(revealed.stdout).toBe(`redis://:${PASSWORD}@127.0.0.1:${topology.nodes[0]?.port}\n`);
    printed.pop(); // the one output that reveals on purpose
    printed.pop();
  });

  it('exits 2 with AUTH_FAILED when the stored password is wrong, without printing it', async () => {
    const wrongStore = join(dir, 'wrong-store');
    const wrong = 'Wrong-Cli-Pw-1a2b3c4d5e6f';
    await cli(['params', 'put', PASSWORD_PARAMETER, '--secure', '--store', wrongStore], wrong);

    const result = await cli(['probe', '-i', inventory, '--store', wrongStore]);

    expect(result.code).toBe(2);
    expect(result.stdout).toContain('AUTH_FAILED');
    expect(result.stdout + result.stderr).not.toContain(wrong);
  });

  it('rejects an invalid inventory with every problem and its path, exit 65, and writes nothing', async () => {
    const bad = join(mkdtempSync(join(dir, 'bad-')), 'bad.yaml');
    const badStore = join(dir, 'never-created');
    writeFileSync(
      bad,
      [
        'clusters:',
        '  - name: a',
        '    sentinels: ["127.0.0.1:1", "oops"]',
        '    masterName: m',
        '    passwordParameter: /p',
        '    colour: blue',
        '  - name: a',
        '    sentinels: ["127.0.0.1:1"]',
        '    masterName: m',
        '    passwordParameter: /p',
      ].join('\n'),
    );

    const result = await cli(['probe', '-i', bad, '--store', badStore]);

    expect(result.code).toBe(65);
    expect(result.stderr).toContain('clusters[0].sentinels[1]: "oops": expected host:port');
    expect(result.stderr).toContain('clusters[0]: unknown key(s) "colour"');
    expect(result.stderr).toContain('clusters[1].name: duplicate cluster name "a"');
    expect(existsSync(badStore)).toBe(false);
  });

  it.each([
    [['probe', 'nope'], 65, /unknown cluster "nope"; the inventory has: test/],
    [
      ['probe', '--bogus'],
      64,
      /^redis-ha: probe: unknown option --bogus \(see redis-ha probe --help\)$/m,
    ],
    [['frobnicate'], 64, /unknown command "frobnicate"/],
    [['events', '--limit', 'x'], 64, /--limit: expected a positive whole number/],
    [['status', '--follow'], 64, /status: option --follow does not apply/],
  ])('rejects %j with exit %i and a clear message', async (args, code, message) => {
    const result = await cli([...args, '-i', inventory, '--store', store]);

    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it('exits 66 when the inventory file does not exist', async () => {
    const result = await cli(['probe', '-i', join(dir, 'missing.yaml'), '--store', store]);

    expect(result.code).toBe(66);
    expect(result.stderr).toMatch(/inventory .*missing\.yaml not found/);
  });

  it('says how to install redis-server when it is missing', async () => {
    const result = await runCli(['sandbox'], {
      env: { PATH: mkdtempSync(join(dir, 'empty-path-')) },
    });

    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(
      /redis-server was not found on the PATH\. Install it: `apt-get install -y redis-server redis-sentinel`/,
    );
  });

  it('never prints or stores the password in clear text anywhere', async () => {
    await cli(['events', '--store', store, '--json']);
    await cli(['status', '-i', inventory, '--store', store]);
    await cli(['params', 'list', '--store', store, '--json']);
    const db = new DatabaseSync(join(store, 'redis-ha.db'));
    const rows = ['cluster_state', 'events', 'journal', 'locks', 'rotations'].map((t) =>
      JSON.stringify(db.prepare(`SELECT * FROM ${t}`).all()),
    );
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    db.close();
    const files = readdirSync(store).map((f) => readFileSync(join(store, f)).toString('latin1'));

    expect(printed.join('').length).toBeGreaterThan(1000);
    expectNoSecret([...printed, ...rows, ...files], { password: PASSWORD });
  });
});
