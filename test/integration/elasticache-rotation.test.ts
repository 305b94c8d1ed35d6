// ElastiCache rotation through the local runner (what `redis-ha rotate` drives): the exact
// ModifyReplicationGroup / ModifyUser inputs (aws-sdk-client-mock), waits for the group or user
// to apply them, and every token or password proven by a real AUTH over TLS against a local
// redis-server to which the mock applies each call. Crash and resume, refusal, rollback.
import { setTimeout } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalBackend } from '../../functions/adapters/local/local-backend';
import { InventorySchema, type ElastiCacheCluster } from '../../functions/core/inventory';
import { pendingParameterName, previousParameterName } from '../../functions/core/rotation';
import {
  RotationRefusedError,
  RotationRunner,
  type RotationOptions,
} from '../../functions/control/rotation-runner';
import { localRotationDeps } from '../../functions/wiring/local';
import { makeCa, makeServerCertificate, type TestServerCertificate } from '../support/certificates';
import {
  APP_USER,
  FakeElastiCache,
  GROUP_ID,
  OLD_TOKEN,
  REGION,
  TlsRedis,
  type FakeGroupOptions,
} from '../support/elasticache-rotation';
import { cli } from '../support/in-process-cli';
import { failingPut } from '../support/failing-parameters';
import { expectNoSecret } from '../support/secrets';
import { controlDepsFor, Harness, writeInventory } from '../support/topology';

const TOKEN_PARAMETER = '/test/orders/token';
const harness = new Harness();
let certificate: TestServerCertificate;
let redis: TlsRedis | undefined;
let fake: FakeElastiCache | undefined;

beforeAll(() => {
  const dir = harness.tempDir();
  certificate = makeServerCertificate(dir, makeCa(dir, 'elasticache'), [
    'IP:127.0.0.1',
    'DNS:localhost',
  ]);
});
afterEach(async () => {
  fake?.restore();
  fake = undefined;
  await redis?.stop();
  redis = undefined;
});
afterAll(() => harness.cleanup());

/** The inventory entry of the group: TLS with the test CA, RBAC when `userId` is given. */
function clusterEntry(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'orders',
    kind: 'elasticache',
    replicationGroupId: GROUP_ID,
    region: REGION,
    passwordParameter: TOKEN_PARAMETER,
    tls: { caFile: certificate.caFile, servername: 'localhost' },
    timeouts: { connectMs: 2000, commandMs: 2000 },
    platformParameters: {
      '/test/orders/url': 'rediss://:{{password}}@{{host}}:{{port}}',
      '/test/orders/reader': '{{readerHost}}:{{readerPort}}',
      '/test/orders/group': '{{masterName}}|{{tls}}',
    },
    ...extra,
  };
}

function clusterOf(entry: Record<string, unknown>): ElastiCacheCluster {
  return InventorySchema.parse({ clusters: [entry] }).clusters[0] as ElastiCacheCluster;
}

interface Bench {
  readonly redis: TlsRedis;
  readonly fake: FakeElastiCache;
  readonly backend: LocalBackend;
  readonly cluster: ElastiCacheCluster;
  /** Every wait the runner asked for, in ms (each one shortened to 20 ms). */
  readonly sleeps: number[];
  runner(options?: Partial<RotationOptions>, deps?: Partial<RunnerDeps>): RotationRunner;
  /** Runs a runner that dies at `point`; its error message, or 'no crash'. */
  crashAt(point: string): Promise<string>;
  /** Everything the runners logged. */
  logs(): string;
}
type RunnerDeps = Parameters<typeof localRotationDeps>[0] & {
  holders: ReturnType<typeof localRotationDeps>['holders'];
};

async function bench(
  entry: Record<string, unknown>,
  groupOptions: FakeGroupOptions = {},
): Promise<Bench> {
  redis = await TlsRedis.start(harness.tempDir(), certificate);
  fake = new FakeElastiCache(redis, groupOptions);
  const backend = harness.backend();
  await backend.parameters.put(TOKEN_PARAMETER, OLD_TOKEN, { isSecure: true });
  const cluster = clusterOf(entry);
  const sleeps: number[] = [];
  const logs: (() => string)[] = [];
  const elasticache = fake.factory();
  const made = { redis, fake };
  return {
    ...made,
    backend,
    cluster,
    sleeps,
    logs: () => logs.map((text) => text()).join(''),
    crashAt: (point) =>
      runnerOf(
        {},
        {
          faults: (reached) => {
            if (reached === point) throw new Error('simulated crash');
          },
        },
      )
        .run()
        .then(
          () => 'no crash',
          (error: Error) => error.message,
        ),
    runner: (options = {}, overrides = {}) => runnerOf(options, overrides),
  };

  function runnerOf(options: Partial<RotationOptions> = {}, overrides: Partial<RunnerDeps> = {}) {
    const base = controlDepsFor(backend, { elasticache, ...overrides });
    logs.push(base.log.text);
    const deps = {
      ...localRotationDeps(base),
      ...(overrides.holders ? { holders: overrides.holders } : {}),
      sleep: async (ms: number, signal?: AbortSignal) => {
        sleeps.push(ms);
        await setTimeout(Math.min(ms, 20), undefined, signal ? { signal } : {});
      },
    };
    return new RotationRunner(cluster, deps, {
      actor: 'test',
      waitForGrace: true,
      leaseMs: 60_000,
      gracePeriodMs: 300,
      ...options,
    });
  }
}

const value = async (backend: LocalBackend, name: string) =>
  (await backend.parameters.get(name))?.value;

describe('ElastiCache AUTH token rotation', () => {
  it('rotates with ROTATE then SET (ApplyImmediately), waits for the group, publishes, and leaves only the new token valid', async () => {
    const { redis, fake, backend, cluster, runner, sleeps, logs } = await bench(clusterEntry());

    const record = await runner().run();
    const newToken = (await value(backend, TOKEN_PARAMETER)) ?? '';
    const journal = await backend.state.readJournal({ rotationId: record.rotationId });
    const events = backend.events.list({ limit: 100 }).map((e) => e.event);

    expect(record).toMatchObject({
      phase: 'completed',
      nodes: [`127.0.0.1:${redis.port}`],
      sentinels: [],
      requestedChange: { change: 'remove-old' },
    });
    expect(newToken).toMatch(/^[A-Za-z0-9-]{64}$/);
    expect(fake.modifyGroupInputs()).toEqual([
      {
        ReplicationGroupId: GROUP_ID,
        AuthToken: newToken,
        AuthTokenUpdateStrategy: 'ROTATE',
        ApplyImmediately: true,
      },
      {
        ReplicationGroupId: GROUP_ID,
        AuthToken: newToken,
        AuthTokenUpdateStrategy: 'SET',
        ApplyImmediately: true,
      },
    ]);
    // The group answered `modifying` twice after each call: the runner looked again after 2 s, 4 s.
    expect(sleeps.filter((ms) => ms === 2000 || ms === 4000)).toEqual([2000, 4000, 2000, 4000]);
    expect(await redis.accepts(undefined, newToken)).toBe(true);
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(false);
    expect(await value(backend, '/test/orders/url')).toBe(
      `rediss://:${newToken}@127.0.0.1:${redis.port}`,
    );
    expect(await value(backend, '/test/orders/reader')).toBe(`localhost:${redis.port}`);
    expect(await value(backend, '/test/orders/group')).toBe(`${GROUP_ID}|true`);
    expect(await backend.parameters.get(pendingParameterName(TOKEN_PARAMETER))).toBeUndefined();
    expect(await backend.parameters.get(previousParameterName(TOKEN_PARAMETER))).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual([
      'redis-ha.rotation.started',
      'redis-ha.rotation.succeeded',
      'redis-ha.rotation.completed',
    ]);
    expect(journal.map((j) => `${j.step}:${j.outcome}`)).toEqual([
      'started:done',
      'pending-stored:done',
      'nodes-added:started',
      'nodes-added:done',
      'sentinels-updated:done',
      'verified:done',
      'published:done',
      'old-removed:started',
      'old-removed:done',
      'completed:done',
    ]);
    expect(await backend.state.getLock(cluster.name)).toBeUndefined();
    expectNoSecret(
      [JSON.stringify(journal), JSON.stringify(events), JSON.stringify(record), logs()],
      {
        'new token': newToken,
        'old token': OLD_TOKEN,
      },
    );
  });

  it('resumes a rotation that crashed right after its ROTATE call without sending a second ROTATE', async () => {
    const { crashAt, redis, fake, backend, cluster, runner } = await bench(clusterEntry(), {
      modifyingDescribes: 3,
    });

    // The first runner dies right after ModifyReplicationGroup answered (the process is gone).
    const crash = await crashAt('rotation:waiting-at-pending-stored');
    const crashed = await backend.state.getRotation(cluster.name);
    const resumed = await runner(
      {},
      { holders: { next: () => 'resumer', isGone: () => true } },
    ).run();
    const newToken = (await value(backend, TOKEN_PARAMETER)) ?? '';
    const journal = await backend.state.readJournal({ rotationId: resumed.rotationId });

    expect(crash).toBe('simulated crash');
    expect(crashed).toMatchObject({
      phase: 'pending-stored',
      requestedChange: { change: 'add-new' },
    });
    expect(resumed).toMatchObject({ rotationId: crashed?.rotationId, phase: 'completed' });
    expect(fake.modifyGroupInputs().map((i) => i.AuthTokenUpdateStrategy)).toEqual([
      'ROTATE',
      'SET',
    ]);
    expect(fake.modifyGroupInputs().every((i) => i.AuthToken === newToken)).toBe(true);
    expect(journal.filter((j) => j.step === 'nodes-added').map((j) => j.outcome)).toEqual([
      'started',
      'done',
    ]);
    expect(await redis.accepts(undefined, newToken)).toBe(true);
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(false);
  });

  it('stops waiting for the group when the signal aborts, and a later run finishes with the one ROTATE', async () => {
    const { redis, fake, backend, cluster, runner } = await bench(clusterEntry());
    const controller = new AbortController();

    // Ctrl-C as soon as the runner says it waits for the group.
    const stopped = await runner({ signal: controller.signal, onNotice: () => controller.abort() })
      .run()
      .then(
        () => 'not stopped',
        (error: Error) => error.name,
      );
    const waiting = await backend.state.getRotation(cluster.name);
    const finished = await runner(
      {},
      { holders: { next: () => 'next', isGone: () => true } },
    ).run();
    const newToken = (await value(backend, TOKEN_PARAMETER)) ?? '';

    expect(stopped).toBe('AbortError');
    expect(waiting).toMatchObject({
      phase: 'pending-stored',
      requestedChange: { change: 'add-new' },
    });
    expect(finished.phase).toBe('completed');
    expect(fake.modifyGroupInputs().map((i) => i.AuthTokenUpdateStrategy)).toEqual([
      'ROTATE',
      'SET',
    ]);
    expect(await redis.accepts(undefined, newToken)).toBe(true);
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(false);
  });

  it('rolls forward after publishing: a SET the API refused is sent again by the next run, never rolled back', async () => {
    const { redis, fake, backend, cluster, runner } = await bench(clusterEntry());

    const failed = await runner(
      {},
      {
        hooks: {
          onEventPublished: (event) => {
            if (event.type === 'redis-ha.rotation.succeeded') fake.failModifyGroups = 1;
          },
        },
      },
    )
      .run()
      .then(
        () => 'no failure',
        (error: Error) => error.message,
      );
    const stopped = await backend.state.getRotation(cluster.name);
    const newToken = (await value(backend, TOKEN_PARAMETER)) ?? '';
    const bothValid = [
      await redis.accepts(undefined, OLD_TOKEN),
      await redis.accepts(undefined, newToken),
    ];
    // A minute later (a SET asked for moments ago is first given time to show).
    const finished = await runner(
      {},
      {
        clock: { now: () => new Date(Date.now() + 61_000) },
        holders: { next: () => 'next', isGone: () => true },
      },
    ).run();
    const events = backend.events.list({ limit: 100 }).map((e) => e.event);

    expect(failed).toMatch(
      /rotation of orders failed at published: .*InternalFailure.*; run it again to resume/,
    );
    expect(stopped).toMatchObject({
      phase: 'published',
      requestedChange: { change: 'remove-old' },
    });
    expect(bothValid).toEqual([true, true]);
    expect(finished.phase).toBe('completed');
    expect(fake.modifyGroupInputs().map((i) => i.AuthTokenUpdateStrategy)).toEqual([
      'ROTATE',
      'SET',
      'SET',
    ]);
    expect(fake.modifyGroupInputs().every((i) => i.AuthToken === newToken)).toBe(true);
    expect(await redis.accepts(undefined, newToken)).toBe(true);
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(false);
    expect(events.find((e) => e.type === 'redis-ha.rotation.failed')?.data).toMatchObject({
      phase: 'published',
      willResume: true,
    });
    expect(events.map((e) => e.type)).not.toContain('redis-ha.rotation.rolled-back');
  });

  it('waits out InvalidReplicationGroupState (a snapshot started after the check) at ROTATE and SET, and sends each again', async () => {
    const { redis, fake, backend, runner } = await bench(clusterEntry());
    fake.busyModifyGroups = 1;

    const record = await runner(
      {},
      {
        hooks: {
          onEventPublished: (event) => {
            if (event.type === 'redis-ha.rotation.succeeded') fake.busyModifyGroups = 1;
          },
        },
      },
    ).run();
    const newToken = (await value(backend, TOKEN_PARAMETER)) ?? '';
    const events = backend.events.list({ limit: 100 }).map((e) => e.event.type);

    expect(record.phase).toBe('completed');
    expect(fake.busyModifyGroups).toBe(0);
    expect(fake.modifyGroupInputs().map((i) => i.AuthTokenUpdateStrategy)).toEqual([
      'ROTATE',
      'ROTATE',
      'SET',
      'SET',
    ]);
    expect(fake.modifyGroupInputs().every((i) => i.AuthToken === newToken)).toBe(true);
    expect(events).not.toContain('redis-ha.rotation.rolled-back');
    expect(events).not.toContain('redis-ha.rotation.failed');
    expect(await redis.accepts(undefined, newToken)).toBe(true);
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(false);
  });

  it('refuses a group without AUTH, saying why, and changes nothing', async () => {
    const { fake, backend, cluster, runner } = await bench(clusterEntry(), {
      isAuthTokenEnabled: false,
    });

    const failure = runner().run();

    await expect(failure).rejects.toBeInstanceOf(RotationRefusedError);
    await expect(failure).rejects.toThrow(
      /refusing to rotate orders: replication group orders has no AUTH token \(AuthTokenEnabled is false\).*passwordless access open/,
    );
    expect(fake.modifyGroupInputs()).toEqual([]);
    expect(await backend.state.getRotation(cluster.name)).toBeUndefined();
    expect(await backend.state.getLock(cluster.name)).toBeUndefined();
    expect(await value(backend, TOKEN_PARAMETER)).toBe(OLD_TOKEN);
    expect(await backend.parameters.get(pendingParameterName(TOKEN_PARAMETER))).toBeUndefined();
    expect(backend.events.list({ limit: 10 })).toEqual([]);
  });

  it('refuses it through `redis-ha rotate` too: exit code 1, the reason on stderr, and nothing written', async () => {
    const { fake } = await bench(clusterEntry(), { isAuthTokenEnabled: false });
    const dir = harness.tempDir();
    const store = `${dir}/store`;
    const inventory = writeInventory(dir, { clusters: [clusterEntry()] });
    expect(
      (
        await cli(['params', 'put', TOKEN_PARAMETER, '--secure', '--store', store], {
          input: `${OLD_TOKEN}\n`,
        })
      ).code,
    ).toBe(0);

    const result = await cli(['rotate', 'orders', '-i', inventory, '--store', store]);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no AUTH token \(AuthTokenEnabled is false\)/);
    expect(result.stderr).not.toMatch(/--force/);
    expect(fake.modifyGroupInputs()).toEqual([]);
    expectNoSecret([result.stdout, result.stderr], { token: OLD_TOKEN });
  });

  it('rolls back before publishing with SET of the old token, proven by AUTH: old accepted, new refused', async () => {
    const { crashAt, redis, fake, backend, cluster, runner } = await bench(clusterEntry());

    const crash = await crashAt('rotation:after-nodes-added');
    const newToken = (await value(backend, pendingParameterName(TOKEN_PARAMETER))) ?? '';
    const bothValid = [
      await redis.accepts(undefined, OLD_TOKEN),
      await redis.accepts(undefined, newToken),
    ];
    const outcome = await runner(
      {},
      { holders: { next: () => 'operator', isGone: () => true } },
    ).abort();

    expect(crash).toBe('simulated crash');
    expect(bothValid).toEqual([true, true]);
    expect(outcome).toMatchObject({ wasInFlight: true, record: { phase: 'rolled-back' } });
    expect(
      fake.modifyGroupInputs().map((i) => [i.AuthTokenUpdateStrategy, i.AuthToken === newToken]),
    ).toEqual([
      ['ROTATE', true],
      ['SET', false],
    ]);
    expect(fake.modifyGroupInputs()[1]?.AuthToken === OLD_TOKEN).toBe(true);
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(true);
    expect(await redis.accepts(undefined, newToken)).toBe(false);
    expect(await value(backend, TOKEN_PARAMETER)).toBe(OLD_TOKEN);
    expect(backend.events.list({ limit: 10 }).map((e) => e.event.type)).toContain(
      'redis-ha.rotation.rolled-back',
    );
    expect(await backend.state.getLock(cluster.name)).toBeUndefined();
  });
});

describe('ElastiCache rollback', () => {
  it('asks the group for its endpoints before writing anything at publish: a failure there leaves the token parameter untouched', async () => {
    const { redis, fake, backend, cluster, runner } = await bench(clusterEntry());

    const record = await runner(
      {},
      {
        faults: (point) => {
          // DescribeReplicationGroups fails once, at the publish step that comes next.
          if (point === 'rotation:after-verified') fake.failDescribes = 1;
        },
      },
    ).run();
    const newToken = fake.modifyGroupInputs()[0]?.AuthToken ?? '';
    const history = await backend.parameters.history(TOKEN_PARAMETER);

    expect(record).toMatchObject({
      phase: 'rolled-back',
      error: expect.stringMatching(
        /DescribeReplicationGroups group orders failed: InternalFailure/,
      ),
    });
    expect(fake.failDescribes).toBe(0);
    expect(history.map((p) => p.value === OLD_TOKEN)).toEqual([true]);
    expect(await value(backend, '/test/orders/url')).toBeUndefined();
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(true);
    expect(await redis.accepts(undefined, newToken)).toBe(false);
    expect(await backend.state.getLock(cluster.name)).toBeUndefined();
  });

  it('puts the old token back in the token and platform parameters when publishing failed after writing the token', async () => {
    const { redis, fake, backend, cluster, runner } = await bench(clusterEntry());
    const parameters = failingPut(backend.parameters, '/test/orders/url');

    const record = await runner({}, { parameters }).run();
    const newToken = fake.modifyGroupInputs()[0]?.AuthToken ?? '';
    const journal = await backend.state.readJournal({ rotationId: record.rotationId });

    expect(record).toMatchObject({
      phase: 'rolled-back',
      error: expect.stringContaining('simulated failure writing /test/orders/url'),
    });
    expect(newToken).not.toBe('');
    // The token parameter held the new token for a moment; Redis takes only the old one again.
    expect(
      (await backend.parameters.history(TOKEN_PARAMETER)).map((p) =>
        p.value === OLD_TOKEN ? 'old' : p.value === newToken ? 'new' : 'other',
      ),
    ).toEqual(['old', 'new', 'old']);
    expect(await value(backend, '/test/orders/url')).toBe(
      `rediss://:${OLD_TOKEN}@127.0.0.1:${redis.port}`,
    );
    expect(await backend.parameters.get(previousParameterName(TOKEN_PARAMETER))).toBeUndefined();
    expect(await backend.parameters.get(pendingParameterName(TOKEN_PARAMETER))).toBeUndefined();
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(true);
    expect(await redis.accepts(undefined, newToken)).toBe(false);
    expect(journal.map((j) => `${j.step}:${j.outcome}`)).toContain('rolled-back:started');
    expect(await backend.state.getLock(cluster.name)).toBeUndefined();
  });

  it('sends the SET of the old token after a ROTATE that timed out but reached ElastiCache, so the new token never becomes valid', async () => {
    const { redis, fake, backend, cluster, runner } = await bench(clusterEntry());
    fake.deferNextModifyGroup = true;

    const record = await runner().run();
    const newToken = fake.modifyGroupInputs()[0]?.AuthToken ?? '';
    // Whatever ElastiCache still had queued is applied by now.
    await fake.applyDeferred();

    expect(record).toMatchObject({
      phase: 'rolled-back',
      error: expect.stringContaining('TimeoutError'),
    });
    expect(
      fake
        .modifyGroupInputs()
        .map((i) => [i.AuthTokenUpdateStrategy, i.AuthToken === OLD_TOKEN ? 'old' : 'new']),
    ).toEqual([
      ['ROTATE', 'new'],
      ['SET', 'old'],
    ]);
    expect(await redis.accepts(undefined, newToken)).toBe(false);
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(true);
    expect(await value(backend, TOKEN_PARAMETER)).toBe(OLD_TOKEN);
    expect(await backend.state.getLock(cluster.name)).toBeUndefined();
  });

  it('waits out InvalidReplicationGroupState on the SET of the old token and sends it again', async () => {
    const { crashAt, redis, fake, backend, cluster, runner } = await bench(clusterEntry());
    await crashAt('rotation:after-nodes-added');
    const newToken = (await value(backend, pendingParameterName(TOKEN_PARAMETER))) ?? '';
    fake.busyModifyGroups = 1;

    const outcome = await runner(
      {},
      { holders: { next: () => 'operator', isGone: () => true } },
    ).abort();

    expect(outcome).toMatchObject({ wasInFlight: true, record: { phase: 'rolled-back' } });
    expect(
      fake
        .modifyGroupInputs()
        .map((i) => [i.AuthTokenUpdateStrategy, i.AuthToken === OLD_TOKEN ? 'old' : 'new']),
    ).toEqual([
      ['ROTATE', 'new'],
      ['SET', 'old'],
      ['SET', 'old'],
    ]);
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(true);
    expect(await redis.accepts(undefined, newToken)).toBe(false);
    expect(await backend.state.getLock(cluster.name)).toBeUndefined();
  });
});

describe('ElastiCache RBAC user password rotation', () => {
  it('waits out InvalidUserState, sends both passwords, then the new one alone, and the old one is refused', async () => {
    const { redis, fake, backend, runner, sleeps } = await bench(
      clusterEntry({ userId: APP_USER }),
    );
    fake.busyModifyUsers = 1;

    const record = await runner(
      {},
      {
        hooks: {
          // Still modifying when the old password is to go: InvalidUserState there too.
          onEventPublished: (event) => {
            if (event.type === 'redis-ha.rotation.succeeded') fake.busyModifyUsers = 1;
          },
        },
      },
    ).run();
    const newPassword = (await value(backend, TOKEN_PARAMETER)) ?? '';

    expect(record.phase).toBe('completed');
    // Each ModifyUser met InvalidUserState first and was sent again once the user was active.
    expect(fake.modifyUserInputs()).toEqual([
      { UserId: APP_USER, Passwords: [OLD_TOKEN, newPassword] },
      { UserId: APP_USER, Passwords: [OLD_TOKEN, newPassword] },
      { UserId: APP_USER, Passwords: [newPassword] },
      { UserId: APP_USER, Passwords: [newPassword] },
    ]);
    expect(fake.busyModifyUsers).toBe(0);
    expect(fake.modifyGroupInputs()).toEqual([]);
    expect(sleeps.length).toBeGreaterThan(0);
    expect(await redis.accepts(APP_USER, newPassword)).toBe(true);
    expect(await redis.accepts(APP_USER, OLD_TOKEN)).toBe(false);
    // Only the RBAC user changed: the default user keeps its own password.
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(true);
    expect(await value(backend, '/test/orders/url')).toBe(
      `rediss://:${newPassword}@127.0.0.1:${redis.port}`,
    );
  });

  it('resumes after a crash right after ModifyUser without sending both passwords twice, and rolls back with the old one alone', async () => {
    const { crashAt, redis, fake, backend, cluster, runner } = await bench(
      clusterEntry({ userId: APP_USER }),
      { modifyingUserDescribes: 3 },
    );

    const crash = await crashAt('rotation:waiting-at-pending-stored');
    const newPassword = (await value(backend, pendingParameterName(TOKEN_PARAMETER))) ?? '';
    // An operator aborts before publishing: the resumed runner waits for the user, then undoes.
    const outcome = await runner(
      {},
      { holders: { next: () => 'operator', isGone: () => true } },
    ).abort();

    expect(crash).toBe('simulated crash');
    expect(outcome).toMatchObject({ wasInFlight: true, record: { phase: 'rolled-back' } });
    expect(fake.modifyUserInputs()).toEqual([
      { UserId: APP_USER, Passwords: [OLD_TOKEN, newPassword] },
      { UserId: APP_USER, Passwords: [OLD_TOKEN] },
    ]);
    expect(await redis.accepts(APP_USER, OLD_TOKEN)).toBe(true);
    expect(await redis.accepts(APP_USER, newPassword)).toBe(false);
    expect(await value(backend, TOKEN_PARAMETER)).toBe(OLD_TOKEN);
    expect(await backend.state.getLock(cluster.name)).toBeUndefined();
  });
});

describe('`redis-ha rotate` on an ElastiCache group', () => {
  it('rotates the token end to end, telling the operator what it waits for, without printing a secret', async () => {
    const { redis, fake } = await bench(clusterEntry(), { modifyingDescribes: 0 });
    const dir = harness.tempDir();
    const store = `${dir}/store`;
    const inventory = writeInventory(dir, { clusters: [clusterEntry()] });
    await cli(['params', 'put', TOKEN_PARAMETER, '--secure', '--store', store], {
      input: `${OLD_TOKEN}\n`,
    });

    const result = await cli([
      'rotate',
      'orders',
      '--grace',
      '1s',
      '-i',
      inventory,
      '--store',
      store,
    ]);
    const [rotate, set] = fake.modifyGroupInputs();
    const newToken = rotate?.AuthToken ?? '';

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/rotation [0-9a-f-]+: completed/);
    expect(result.stderr).toContain(
      'waiting for ModifyReplicationGroup orders AuthTokenUpdateStrategy ROTATE to be applied',
    );
    expect([rotate?.AuthTokenUpdateStrategy, set?.AuthTokenUpdateStrategy]).toEqual([
      'ROTATE',
      'SET',
    ]);
    expect(set?.AuthToken === newToken).toBe(true);
    expect(await redis.accepts(undefined, newToken)).toBe(true);
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(false);
    expectNoSecret([result.stdout, result.stderr], {
      'new token': newToken,
      'old token': OLD_TOKEN,
    });
  });
});

describe('`redis-ha rotate --dry-run` on an ElastiCache group', () => {
  it('prints the API calls it would make, every secret hidden, and changes nothing', async () => {
    const { fake } = await bench(clusterEntry());
    const dir = harness.tempDir();
    const store = `${dir}/store`;
    const inventory = writeInventory(dir, { clusters: [clusterEntry()] });
    await cli(['params', 'put', TOKEN_PARAMETER, '--secure', '--store', store], {
      input: `${OLD_TOKEN}\n`,
    });

    const result = await cli(['rotate', 'orders', '--dry-run', '-i', inventory, '--store', store]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /ModifyReplicationGroup orders AuthToken \*\*\* AuthTokenUpdateStrategy ROTATE/,
    );
    expect(result.stdout).toMatch(/AuthTokenUpdateStrategy SET; wait for group orders available/);
    expect(fake.modifyGroupInputs()).toEqual([]);
    expectNoSecret([result.stdout, result.stderr], { token: OLD_TOKEN });
  });
});
