// `redis-ha --backend aws`: the built CLI, as a process, against a loopback SSM fake and dynalite
// reached through the AWS SDK's own configuration (AWS_ENDPOINT_URL_SSM / _DYNAMODB, AWS_REGION,
// dummy credentials): seeding a SecureString, listing and reading it masked, and reading the
// state table (status, rotations, and the events the functions' recording bus appended). Usage
// errors run in process. No secret may appear in any output.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/exit-codes';
import { MASK } from '../../cli/format';
import { DynamoDbEventLog } from '../../functions/adapters/aws/dynamodb-event-log';
import { DynamoDbStateStore } from '../../functions/adapters/aws/dynamodb-state-store';
import type { ClusterState } from '../../functions/core/cluster-state';
import { buildEvent, EventType, type CloudEvent } from '../../functions/core/events';
import type { RotationRecord } from '../../functions/core/rotation';
import { awsControlDeps, RecordingEventBus } from '../../functions/wiring/aws';
import { FAKE_AWS } from '../support/aws-fakes/loopback';
import { SnsFake } from '../support/aws-fakes/sns-fake';
import { SsmFake } from '../support/aws-fakes/ssm-fake';
import { Dynalite } from '../support/dynalite';
import { cleanEnv, cli, type CliOutcome } from '../support/in-process-cli';
import { Harness } from '../support/topology';

const SECRET = 'n0t-in-any-output-Zq7';
const KMS_KEY = 'alias/redis-ha-test';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:redis-ha-events';

const harness = new Harness();
let dynalite: Dynalite;
let ssm: SsmFake;
let sns: SnsFake;
let table: string;
let inventory: string;
/** Every output of every run in this file, to check that no secret leaked. */
const outputs: string[] = [];

beforeAll(async () => {
  [dynalite, ssm, sns] = await Promise.all([Dynalite.start(), SsmFake.start(), SnsFake.start()]);
  table = await dynalite.createStateTable();
  inventory = join(harness.tempDir(), 'redis-ha.yaml');
  writeFileSync(
    inventory,
    ['orders', 'fresh']
      .map(
        (name) =>
          `  - name: ${name}\n    sentinels: ["127.0.0.1:26379"]\n    masterName: m\n    passwordParameter: /redis/${name}/password\n`,
      )
      .join('')
      .replace(/^/, 'clusters:\n'),
  );
});
afterAll(async () => {
  await Promise.all([dynalite.stop(), ssm.stop(), sns.stop()]);
  harness.cleanup();
});

/** The environment of an operator's shell: the SDK finds the fakes through it, nothing else. */
function awsEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(cleanEnv()).filter(
      ([key]) => !/^AWS_|^(STATE_TABLE_NAME|KMS_KEY_ID|EVENT_TOPIC_ARN)$/.test(key),
    ),
  );
  const env: NodeJS.ProcessEnv = {
    ...base,
    AWS_REGION: FAKE_AWS.region,
    AWS_ACCESS_KEY_ID: FAKE_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_AWS.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    STATE_TABLE_NAME: table,
    KMS_KEY_ID: KMS_KEY,
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}

/** The built CLI (what `npx redis-ha` runs) as a process, with `input` on stdin. */
function redisHa(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; isRevealing?: boolean } = {},
): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/redis-ha.mjs', ...args], {
      env: options.env ?? awsEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      // `--reveal` is the one output allowed to hold the secret: it was asked for.
      if (!options.isRevealing) outputs.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The CLI in process (for usage errors: no AWS call is made). */
async function inProcess(args: readonly string[], env: NodeJS.ProcessEnv = awsEnv()) {
  const result = await cli(args, { env, input: `${SECRET}\n` });
  outputs.push(result.stdout, result.stderr);
  return result;
}

/** Runs `fn` with `vars` in this process's environment (the SDK reads process.env). */
async function withProcessEnv<T>(vars: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env))
    if (/^AWS_/.test(key)) Reflect.deleteProperty(process.env, key);
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const key of Object.keys(process.env))
      if (!(key in saved)) Reflect.deleteProperty(process.env, key);
    Object.assign(process.env, saved);
  }
}

const silentLogger = () => {
  const lines: { message: string; fields?: Record<string, unknown> }[] = [];
  const log = (message: string, fields?: Record<string, unknown>) =>
    lines.push({ message, ...(fields ? { fields } : {}) });
  return { lines, logger: { info: log, warn: log, error: log } };
};

/** An event `secondsAgo` before now (the log keeps the last 30 days, newest last). */
function event(
  cluster: string,
  cause: string,
  secondsAgo = 0,
  type: EventType = EventType.masterChanged,
) {
  return buildEvent({
    source: 'urn:redis-ha:aws:test',
    type,
    cluster,
    cause,
    severity: 'warning',
    time: new Date(Date.now() - secondsAgo * 1000),
    data:
      type === EventType.healthChanged
        ? { previous: 'ok', status: 'degraded', reasons: [{ code: 'REPLICA_DOWN' }] }
        : { previous: '10.0.0.1:6379', current: '10.0.0.2:6379', configEpoch: 7 },
  });
}

describe('redis-ha params --backend aws', () => {
  it('puts a SecureString read from stdin, encrypted under the KMS key, and echoes no value', async () => {
    const result = await redisHa(
      ['params', 'put', '/redis/orders/password', '--secure', '--backend', 'aws'],
      { input: `${SECRET}\n` },
    );

    expect(result.stderr).toBe('');
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toBe('/redis/orders/password version 1 (secure)\n');
    expect(ssm.versions('/redis/orders/password')).toEqual([
      expect.objectContaining({ value: SECRET, type: 'SecureString', keyId: KMS_KEY, version: 1 }),
    ]);
  });

  it('takes the KMS key from --kms-key over KMS_KEY_ID', async () => {
    const result = await redisHa(
      ['params', 'put', '/redis/sessions/password', '--secure', '--backend', 'aws'].concat([
        '--kms-key',
        'alias/from-flag',
      ]),
      { input: SECRET },
    );

    expect(result.code).toBe(ExitCode.ok);
    expect(ssm.versions('/redis/sessions/password').at(-1)?.keyId).toBe('alias/from-flag');
  });

  it('puts a String without needing the KMS key', async () => {
    const result = await redisHa(
      ['params', 'put', '/redis/orders/host', '10.0.0.9', '--backend', 'aws'],
      { env: awsEnv({ KMS_KEY_ID: undefined }) },
    );

    expect(result.code).toBe(ExitCode.ok);
    expect(ssm.versions('/redis/orders/host')).toEqual([
      expect.objectContaining({ value: '10.0.0.9', type: 'String', keyId: undefined }),
    ]);
  });

  it('lists a path with secure values masked', async () => {
    const result = await redisHa(['params', 'list', '/redis/orders', '--backend', 'aws'], {
      env: awsEnv({ KMS_KEY_ID: undefined }),
    });

    expect(result.code).toBe(ExitCode.ok);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +TYPE +VERSION +UPDATED +VALUE$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^\/redis\/orders\/host +String +1 +\S+ +10\.0\.0\.9$/),
      expect.stringMatching(new RegExp(`^/redis/orders/password +SecureString +1 +\\S+ +\\*{8}$`)),
    ]);
    expect(ssm.requestsOf('GetParametersByPath').at(-1)?.input).toMatchObject({
      Path: '/redis/orders',
      Recursive: true,
    });
  });

  it('gets a secure value masked, and in clear only with --reveal (as locally)', async () => {
    const args = ['params', 'get', '/redis/orders/password', '--backend', 'aws'];

    const masked = await redisHa(args);
    const json = await redisHa([...args, '--json']);
    const revealed = await redisHa([...args, '--reveal'], { isRevealing: true });

    expect(masked).toMatchObject({ code: ExitCode.ok, stdout: `${MASK}\n` });
    expect(JSON.parse(json.stdout)).toMatchObject({ isSecure: true, value: MASK, version: 1 });
    expect(revealed).toMatchObject({ code: ExitCode.ok, stdout: `${SECRET}\n` });
  });

  it('says a parameter is not found, exit 65', async () => {
    const result = await redisHa(['params', 'get', '/redis/none', '--backend', 'aws']);

    expect(result.code).toBe(ExitCode.dataError);
    expect(result.stderr).toBe('redis-ha: parameter /redis/none not found\n');
  });
});

const T0 = new Date(Date.now() - 60_000);

function clusterState(cluster: string, status: ClusterState['status']): ClusterState {
  return {
    cluster,
    revision: 1,
    master: { host: '10.0.0.2', port: 6379 },
    configEpoch: 7,
    status,
    reasonCodes: status === 'ok' ? [] : ['REPLICA_DOWN'],
    disagreement: null,
    parametersDigest: null,
    updatedAt: T0.toISOString(),
  };
}

function rotation(cluster: string, rotationId: string): RotationRecord {
  return {
    rotationId,
    cluster,
    phase: 'published',
    actor: 'api:arn:aws:iam::123456789012:role/pipeline',
    startedAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    gracePeriodMs: 60_000,
    graceEndsAt: new Date(T0.getTime() + 60_000).toISOString(),
    isForced: false,
    nodes: ['10.0.0.2:6379'],
    sentinels: ['127.0.0.1:26379'],
    error: null,
    completedAt: null,
  };
}

describe('redis-ha status and rotations --backend aws', () => {
  beforeAll(async () => {
    const store = new DynamoDbStateStore({ tableName: table, client: dynalite.clientOptions() });
    await store.putClusterState(clusterState('orders', 'ok'), null);
    await store.putClusterState(clusterState('legacy', 'degraded'), null);
    await store.putRotation(rotation('orders', 'rot-aws-1'), null);
    await store.appendJournal({
      rotationId: 'rot-aws-1',
      cluster: 'orders',
      at: T0.toISOString(),
      step: 'publish',
      outcome: 'done',
      actor: 'stepfunctions:exec-1',
      detail: 'parameters updated',
    });
  });

  it('lists every cluster the table holds, without an inventory', async () => {
    const result = await redisHa(['status', '--backend', 'aws']);

    expect(result.code).toBe(ExitCode.ok);
    const rows = result.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^CLUSTER +STATUS +MASTER +EPOCH +REASONS +ROTATION +UPDATED$/);
    expect(rows.slice(1)).toEqual([
      expect.stringMatching(/^legacy +DEGRADED +10\.0\.0\.2:6379 +7 +REPLICA_DOWN +- /),
      expect.stringMatching(/^orders +OK +10\.0\.0\.2:6379 +7 +- +published /),
    ]);
  });

  it("adds the inventory's clusters not probed yet, in inventory order, with --table", async () => {
    const result = await redisHa(
      ['status', '--backend', 'aws', '-i', inventory, '--table', table, '--json'],
      { env: awsEnv({ STATE_TABLE_NAME: 'not-this-one' }) },
    );

    expect(result.code).toBe(ExitCode.ok);
    const rows = JSON.parse(result.stdout) as { cluster: string; status?: string }[];
    expect(rows.map((r) => [r.cluster, r.status ?? null])).toEqual([
      ['orders', 'ok'],
      ['fresh', null],
      ['legacy', 'degraded'],
    ]);
  });

  it('shows rotations and their journal from the table', async () => {
    const result = await redisHa(['rotations', 'orders', '--backend', 'aws']);

    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toMatch(/\norders +rot-aws-1 +published +\S+ +\S+ +- +api:arn:aws/);
    expect(result.stdout).toContain('journal of orders:');
    expect(result.stdout).toMatch(
      /rot-aws- +publish +done +stepfunctions:exec-1 +parameters updated/,
    );
  });

  it('lists every stored cluster without names, and refuses a cluster nobody knows', async () => {
    const all = await redisHa(['rotations', '--backend', 'aws', '--json']);
    const unknown = await redisHa(['rotations', 'nobody', '--backend', 'aws']);

    expect(all.code).toBe(ExitCode.ok);
    expect((JSON.parse(all.stdout) as { cluster: string }[]).map((r) => r.cluster)).toEqual([
      'legacy',
      'orders',
    ]);
    expect(unknown.code).toBe(ExitCode.dataError);
    expect(unknown.stderr).toContain(`unknown cluster "nobody"`);
    expect(unknown.stderr).toContain(`table ${table}`);
  });
});

describe('redis-ha events --backend aws', () => {
  let published: CloudEvent[];

  beforeAll(async () => {
    published = [
      event('orders', 'failover-1', 20),
      event('legacy', 'health-1', 10, EventType.healthChanged),
    ];
    // The functions' own wiring, reaching the fakes through the SDK's environment variables.
    const { logger } = silentLogger();
    await withProcessEnv(
      {
        AWS_REGION: FAKE_AWS.region,
        AWS_ACCESS_KEY_ID: FAKE_AWS.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: FAKE_AWS.credentials.secretAccessKey,
        AWS_ENDPOINT_URL_SNS: sns.endpoint,
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      },
      async () => {
        const deps = awsControlDeps(
          { stateTable: table, eventTopic: TOPIC, kmsKey: KMS_KEY },
          { logger, source: 'urn:redis-ha:aws:test' },
        );
        for (const e of published) await deps.events.publish(e);
      },
    );
  });

  it('prints the events the deployment published (to SNS and into the table)', async () => {
    const result = await redisHa(['events', '--backend', 'aws']);

    expect(sns.published.map((p) => (JSON.parse(p.message) as CloudEvent).id)).toEqual(
      published.map((e) => e.id),
    );
    expect(result.code).toBe(ExitCode.ok);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`orders  redis-ha.master.changed  10.0.0.1:6379 -> 10.0.0.2:6379`);
    expect(lines[1]).toContain(`legacy  redis-ha.health.changed  ok -> degraded REPLICA_DOWN`);
  });

  it('prints one JSON object per line, one cluster with --cluster', async () => {
    const result = await redisHa(['events', '--backend', 'aws', '--cluster', 'orders', '--json']);

    expect(result.code).toBe(ExitCode.ok);
    expect(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([{ ...published[0], deliveries: 1 }]);
  });

  it('refuses a cluster neither the inventory nor the log knows, and --follow', async () => {
    const unknown = await redisHa([
      'events',
      '--backend',
      'aws',
      '--cluster',
      'x',
      '-i',
      inventory,
    ]);
    const quiet = await redisHa([
      'events',
      '--backend',
      'aws',
      '--cluster',
      'fresh',
      '-i',
      inventory,
    ]);
    const follow = await inProcess(['events', '--backend', 'aws', '--follow']);

    expect(unknown.code).toBe(ExitCode.dataError);
    expect(unknown.stderr).toContain('unknown cluster "x"');
    expect(quiet).toMatchObject({ code: ExitCode.ok, stdout: '' });
    expect(quiet.stderr).toContain(`no events for fresh in table ${table}`);
    expect(follow.code).toBe(ExitCode.usage);
    expect(follow.stderr).toContain('subscribe to the event topic');
  });
});

describe('the recording event bus of the AWS wiring', () => {
  it('publishes even when the log cannot take the event, and logs why', async () => {
    const { lines, logger } = silentLogger();
    const bus = new RecordingEventBus(
      { publish: async () => {} },
      new DynamoDbEventLog({ tableName: 'no-such-table', client: dynalite.clientOptions() }),
      logger,
    );
    const e = event('orders', 'unrecorded');

    await expect(bus.publish(e)).resolves.toBeUndefined();

    expect(lines).toEqual([
      {
        message: 'event published but not recorded in the event log',
        fields: expect.objectContaining({ cluster: 'orders', eventId: e.id }) as unknown,
      },
    ]);
    expect(String(lines[0]?.fields?.error)).toContain('ResourceNotFoundException');
  });

  it('records nothing when the publish fails, and rejects', async () => {
    const log = new DynamoDbEventLog({ tableName: table, client: dynalite.clientOptions() });
    const bus = new RecordingEventBus(
      {
        publish: async () => {
          throw new Error('SNS refused');
        },
      },
      log,
      silentLogger().logger,
    );

    await expect(bus.publish(event('orders', 'refused'))).rejects.toThrow('SNS refused');

    expect(
      (await log.read({ limit: 100 })).some((r) => r.event.id === event('orders', 'refused').id),
    ).toBe(false);
  });
});

describe('redis-ha --backend aws usage errors (exit 64)', () => {
  it.each(['probe', 'watch', 'rotate', 'validate', 'schema', 'sandbox'])(
    '%s refuses --backend aws, naming the commands that take it',
    async (command) => {
      const result = await inProcess([command, '--backend', 'aws']);

      expect(result.code).toBe(ExitCode.usage);
      expect(result.stderr).toContain(
        `${command}: --backend aws is not supported; it works with params, status, events, rotations`,
      );
    },
  );

  it.each(['status', 'events', 'rotations'])(
    '%s without a table names --table and STATE_TABLE_NAME',
    async (command) => {
      const result = await inProcess(
        [command, '--backend', 'aws'],
        awsEnv({ STATE_TABLE_NAME: undefined }),
      );

      expect(result.code).toBe(ExitCode.usage);
      expect(result.stderr).toContain(`${command} --backend aws: no state table given`);
      expect(result.stderr).toContain('--table <name>');
      expect(result.stderr).toContain('STATE_TABLE_NAME');
    },
  );

  it('params put --secure without a KMS key names --kms-key and KMS_KEY_ID, before reading the value', async () => {
    const puts = ssm.requestsOf('PutParameter').length;

    const result = await inProcess(
      ['params', 'put', '/redis/orders/password', '--secure', '--backend', 'aws'],
      awsEnv({ KMS_KEY_ID: undefined }),
    );

    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('--kms-key <key>');
    expect(result.stderr).toContain('KMS_KEY_ID');
    expect(ssm.requestsOf('PutParameter')).toHaveLength(puts);
  });

  it.each([
    [['status', '--table', 't'], '--table applies to --backend aws only'],
    [['params', 'list', '--kms-key', 'k'], '--kms-key applies to --backend aws only'],
    [['status', '--backend', 'cloud'], '--backend: expected local or aws, got "cloud"'],
  ])('%j exits 64 saying %j', async (args, message) => {
    const result = await inProcess(args);

    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain(message);
  });
});

describe('redis-ha --backend aws when AWS says no', () => {
  it('a table that does not exist exits 78, naming the table and where to look', async () => {
    const result = await redisHa(['status', '--backend', 'aws', '--table', 'no-such-table']);

    expect(result.code).toBe(ExitCode.config);
    expect(result.stderr).toContain('ResourceNotFoundException');
    expect(result.stderr).toContain('no-such-table');
    expect(result.stderr).toContain('STATE_TABLE_NAME');
  });

  it('no region exits 78 and says how to configure the SDK', async () => {
    const result = await redisHa(['params', 'list', '/redis', '--backend', 'aws'], {
      env: awsEnv({ AWS_REGION: undefined }),
    });

    expect(result.code).toBe(ExitCode.config);
    expect(result.stderr).toContain('Region is missing');
    expect(result.stderr).toContain('AWS_REGION');
  });

  it('a failed put names the parameter but never its value', async () => {
    // Not retried by the SDK: one request fails.
    ssm.failNext(1, { status: 400, type: 'AccessDeniedException' });

    const result = await redisHa(
      ['params', 'put', '/redis/orders/password', '--secure', '--backend', 'aws'],
      { input: SECRET },
    );

    expect(result.code).toBe(ExitCode.noPermission);
    expect(result.stderr).toContain(
      'SSM PutParameter /redis/orders/password failed: AccessDeniedException',
    );
  });
});

describe('no secret anywhere', () => {
  it('never printed the secret in any output of this file (besides --reveal)', () => {
    expect(outputs.length).toBeGreaterThan(20);
    for (const output of outputs) expect(output).not.toContain(SECRET);
  });
});
