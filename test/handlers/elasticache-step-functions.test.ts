// An ElastiCache AUTH token rotation through the SYNTHESIZED state machine (aws-local-stepfunctions)
// on the REAL rotation handler and the offline AWS (dynalite, SSM and SNS fakes), the ElastiCache
// client mocked (aws-sdk-client-mock) over a real TLS redis-server: the waits for the group are
// RotationNotReady retries, a Lambda dying after its ROTATE call is retried without a second
// ROTATE, and a group without AUTH ends NotStarted with nothing changed.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InventorySchema, type Inventory } from '../../functions/core/inventory';
import { pendingParameterName } from '../../functions/core/rotation';
import { PowertoolsLoggerAdapter } from '../../functions/handlers/shared/powertools-logger';
import { makeCa, makeServerCertificate, type TestServerCertificate } from '../support/certificates';
import {
  FakeElastiCache,
  GROUP_ID,
  OLD_TOKEN,
  REGION,
  TlsRedis,
  type FakeGroupOptions,
} from '../support/elasticache-rotation';
import { expectNoSecret } from '../support/secrets';
import { Harness } from '../support/topology';
import {
  OfflineAws,
  rotationFunction,
  runExecution,
  synthesizedRotationDefinition,
  type AslDefinition,
  type ExecutionRun,
} from './step-functions-support';

const TOKEN_PARAMETER = '/test/orders/token';
const harness = new Harness();
let aws: OfflineAws;
let definition: AslDefinition;
let certificate: TestServerCertificate;
let redis: TlsRedis | undefined;
let fake: FakeElastiCache | undefined;

beforeAll(async () => {
  definition = synthesizedRotationDefinition();
  const dir = harness.tempDir();
  certificate = makeServerCertificate(dir, makeCa(dir, 'elasticache'), [
    'IP:127.0.0.1',
    'DNS:localhost',
  ]);
  aws = await OfflineAws.start();
});
afterEach(async () => {
  fake?.restore();
  fake = undefined;
  await redis?.stop();
  redis = undefined;
});
afterAll(async () => {
  await aws?.stop();
  await harness.cleanup();
});

const quietDeps = () =>
  aws.controlDeps(new PowertoolsLoggerAdapter(new PowertoolsLogger({ logLevel: 'SILENT' })));

function inventory(): Inventory {
  return InventorySchema.parse({
    clusters: [
      {
        name: 'orders',
        kind: 'elasticache',
        replicationGroupId: GROUP_ID,
        region: REGION,
        passwordParameter: TOKEN_PARAMETER,
        tls: { caFile: certificate.caFile, servername: 'localhost' },
        timeouts: { connectMs: 2000, commandMs: 2000 },
        platformParameters: { '/test/orders/url': 'rediss://:{{password}}@{{host}}:{{port}}' },
      },
    ],
  });
}

/** A group over a fresh TLS redis-server, its token stored in the SSM fake. */
async function group(options: FakeGroupOptions = {}) {
  redis = await TlsRedis.start(harness.tempDir(), certificate);
  fake = new FakeElastiCache(redis, options);
  await quietDeps().parameters.put(TOKEN_PARAMETER, OLD_TOKEN, { isSecure: true });
  return { redis, fake };
}

async function rotate(
  rotationId: string,
  elastiCache: FakeElastiCache,
  faults?: (point: string) => void,
  around?: Parameters<typeof runExecution>[3]['around'],
) {
  const logs: string[] = [];
  const elasticache = elastiCache.factory();
  const fn = rotationFunction({
    inventory: inventory(),
    aws,
    output: (line) => logs.push(line),
    decorate: (deps) => ({ ...deps, elasticache }),
    ...(faults ? { faults } : {}),
  });
  const run = await runExecution(
    definition,
    { cluster: 'orders', rotationId, actor: 'test', isForced: false, gracePeriodMs: 1000 },
    fn.invoke,
    { waitGraceMs: 1200, retryMs: 20, ...(around ? { around } : {}) },
  );
  const record = await quietDeps().state.getRotation('orders', rotationId);
  return { run, logs, record };
}

const entered = (run: ExecutionRun) =>
  run.events.filter((e) => e.type === 'StateEntered').map((e) => e.state?.name);
const retried = (run: ExecutionRun) =>
  run.events.filter((e) => e.type === 'StateRetried').map((e) => e.state?.name);
const currentToken = () => aws.ssm.versions(TOKEN_PARAMETER).at(-1)?.value ?? '';

describe('the synthesized rotation state machine on an ElastiCache group', () => {
  it('rotates the AUTH token: waits for the group by retries, survives a Lambda dying after ROTATE with one ROTATE, SET after the grace period', async () => {
    const { redis, fake } = await group({ modifyingDescribes: 2 });
    let isCrashed = false;

    const { run, logs, record } = await rotate('sfn-ec-token', fake, (point) => {
      if (point === 'rotation:waiting-at-pending-stored' && !isCrashed) {
        isCrashed = true;
        throw new Error('simulated crash right after ModifyReplicationGroup');
      }
    });
    const newToken = currentToken();

    expect(isCrashed).toBe(true);
    expect(run.failure).toBeUndefined();
    expect(run.output).toMatchObject({ rotationId: 'sfn-ec-token', phase: 'completed' });
    expect(entered(run).filter((s, i, all) => s !== all[i - 1])).toEqual([
      'Start',
      'StorePending',
      'AddPassword',
      'UpdateSentinels',
      'Verify',
      'Publish',
      'WaitGrace',
      'RemoveOld',
      'Finish',
      'Succeed',
    ]);
    // AddPassword: the crash right after ROTATE, then the group `modifying` twice; RemoveOld:
    // waiting after its SET, then `modifying` twice.
    expect(retried(run)).toEqual([
      'AddPassword',
      'AddPassword',
      'AddPassword',
      'RemoveOld',
      'RemoveOld',
      'RemoveOld',
    ]);
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
    expect(record).toMatchObject({ phase: 'completed', nodes: [`127.0.0.1:${redis.port}`] });
    expect(await redis.accepts(undefined, newToken)).toBe(true);
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(false);
    expect(aws.ssm.versions('/test/orders/url').at(-1)?.value).toBe(
      `rediss://:${newToken}@127.0.0.1:${redis.port}`,
    );
    // The waits are logged as waits, not as failures.
    const lines = logs.filter((l) => l.includes('"level"')).map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.message === 'rotation task waiting').length).toBe(5);
    expect(lines.filter((l) => l.message === 'rotation task failed').length).toBe(1);
    expectNoSecret([JSON.stringify(run.events), ...logs, JSON.stringify(record)], {
      'new token': newToken,
      'old token': OLD_TOKEN,
    });
  });

  it('rolls back before Publish with SET of the old token, waiting for the group by retries', async () => {
    const { redis, fake } = await group({ modifyingDescribes: 2 });
    const published = aws.sns.published.length;

    // Verify's Lambda keeps dying until its retries run out: the Catch sends it to RollBack.
    const { run, record } = await rotate(
      'sfn-ec-rollback',
      fake,
      undefined,
      async (state, call) => {
        if (state === 'Verify')
          throw Object.assign(new Error('Runtime exited'), { name: 'Runtime.ExitError' });
        return call();
      },
    );
    const [rotateInput, restoreInput] = fake.modifyGroupInputs();

    expect(run.failure).toBe('RolledBack');
    expect(record).toMatchObject({
      phase: 'rolled-back',
      requestedChange: { change: 'restore-old' },
    });
    expect(fake.modifyGroupInputs().map((i) => i.AuthTokenUpdateStrategy)).toEqual([
      'ROTATE',
      'SET',
    ]);
    expect(restoreInput?.AuthToken === OLD_TOKEN).toBe(true);
    expect(retried(run).filter((s) => s === 'RollBack').length).toBe(3);
    expect(await redis.accepts(undefined, OLD_TOKEN)).toBe(true);
    expect(await redis.accepts(undefined, rotateInput?.AuthToken ?? '')).toBe(false);
    expect(currentToken()).toBe(OLD_TOKEN);
    expect(
      aws.sns.published
        .slice(published)
        .map((m) => m.attributes.type?.stringValue)
        .filter((t) => t?.startsWith('redis-ha.rotation.')),
    ).toEqual(['redis-ha.rotation.started', 'redis-ha.rotation.rolled-back']);
  });

  it('ends NotStarted on a group without AUTH: no ModifyReplicationGroup, no record, the token kept', async () => {
    const { fake } = await group({ isAuthTokenEnabled: false });

    const { run, record } = await rotate('sfn-ec-noauth', fake);

    expect(run.failure).toBe('NotStarted');
    expect(fake.modifyGroupInputs()).toEqual([]);
    expect(record).toBeUndefined();
    expect(currentToken()).toBe(OLD_TOKEN);
    expect(aws.ssm.versions(pendingParameterName(TOKEN_PARAMETER))).toEqual([]);
    const failed = run.events.find((e) => e.type === 'ExecutionFailed' || e.Error === 'NotStarted');
    expect(JSON.stringify(failed ?? run.events)).toMatch(/AuthTokenEnabled is false/);
  });
});
