// The API handler with sample API Gateway HTTP API events, the local SQLite StateStore, fakes of
// the Step Functions starter and the probe invoker, and dynalite as the Idempotency table: bad
// input gets a problem body and starts nothing; a good request gets 202 and one execution.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsCallError } from '../../functions/adapters/aws/aws-clients';
import type { LocalBackend } from '../../functions/adapters/local/local-backend';
import type { ClusterState } from '../../functions/core/cluster-state';
import type { StateStore } from '../../functions/core/ports';
import type { RotationRecord } from '../../functions/core/rotation';
import { createApiHandler, type ApiDeps } from '../../functions/handlers/api/api';
import type { ApiEvent, ApiResult } from '../../functions/handlers/api/http';
import { Harness } from '../support/topology';
import {
  CALLER_ARN,
  FakeProbeInvoker,
  FakeRotationStarter,
  httpEvent,
  jsonPost,
  lambdaContext,
  RecordingLogger,
  startIdempotencyTable,
} from './api-support';

const NOW = new Date('2026-11-25T06:00:00.000Z');
const harness = new Harness();
let table: Awaited<ReturnType<typeof startIdempotencyTable>>;
let backend: LocalBackend;
let starter: FakeRotationStarter;
let prober: FakeProbeInvoker;
let logger: RecordingLogger;
let ids: number;
let handle: (event: ApiEvent) => Promise<ApiResult>;
let deps: ApiDeps;

beforeAll(async () => {
  table = await startIdempotencyTable();
});
afterAll(async () => {
  await table.close();
});
beforeEach(() => {
  backend = harness.backend();
  starter = new FakeRotationStarter();
  prober = new FakeProbeInvoker();
  logger = new RecordingLogger();
  ids = 0;
  deps = {
    inventory: { clusters: [{ name: 'alpha' }, { name: 'beta' }] },
    state: backend.state,
    starter,
    prober,
    idempotencyStore: async () => table.store(),
    clock: { now: () => NOW },
    newRotationId: () => `rot-${++ids}-${Math.random().toString(36).slice(2, 8)}`,
    logger,
  };
  const handler = createApiHandler(deps);
  handle = (event) => handler(event, lambdaContext());
});
afterEach(() => harness.cleanup());

function body(result: ApiResult): Record<string, unknown> {
  return JSON.parse(result.body ?? 'null') as Record<string, unknown>;
}

function expectProblem(result: ApiResult, status: number, slug: string, instance: string) {
  expect(result.statusCode).toBe(status);
  expect(result.headers?.['content-type']).toBe('application/problem+json');
  const problem = body(result);
  expect(problem).toMatchObject({
    type: `tag:redis-ha,2026:problem/${slug}`,
    status,
    instance,
  });
  expect(typeof problem.title).toBe('string');
  expect(typeof problem.detail).toBe('string');
  expect(JSON.stringify(problem)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  return problem;
}

const alphaState: ClusterState = {
  cluster: 'alpha',
  revision: 3,
  master: { host: '10.0.0.1', port: 6379 },
  configEpoch: 7,
  status: 'degraded',
  reasonCodes: ['REPLICA_DOWN'],
  pendingHealth: null,
  disagreement: null,
  parametersDigest: 'digest',
  updatedAt: '2026-11-25T05:59:00.000Z',
};

function rotationRecord(overrides: Partial<RotationRecord> = {}): RotationRecord {
  return {
    rotationId: 'rot-earlier',
    cluster: 'alpha',
    phase: 'completed',
    actor: CALLER_ARN,
    startedAt: '2026-11-24T10:00:00.000Z',
    updatedAt: '2026-11-24T10:05:00.000Z',
    gracePeriodMs: 30_000,
    graceEndsAt: '2026-11-24T10:04:30.000Z',
    isForced: false,
    nodes: ['10.0.0.1:6379', '10.0.0.2:6379'],
    sentinels: ['10.0.0.5:26379'],
    error: null,
    completedAt: '2026-11-24T10:05:00.000Z',
    ...overrides,
  };
}

describe('api: reading clusters', () => {
  it('lists every inventory cluster with its last committed state', async () => {
    await backend.state.putClusterState(alphaState, null);

    const result = await handle(httpEvent('GET', '/clusters'));

    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('application/json');
    expect(body(result)).toEqual({
      clusters: [
        {
          name: 'alpha',
          state: {
            status: 'degraded',
            reasonCodes: ['REPLICA_DOWN'],
            master: '10.0.0.1:6379',
            configEpoch: 7,
            disagreement: null,
            revision: 3,
            updatedAt: '2026-11-25T05:59:00.000Z',
          },
          links: { self: '/clusters/alpha' },
        },
        { name: 'beta', state: null, links: { self: '/clusters/beta' } },
      ],
    });
  });

  it("shows an ElastiCache group's shard primaries in its state, and no sentinel fields", async () => {
    await backend.state.putClusterState(
      {
        ...alphaState,
        master: { host: 'carts.xyz.clustercfg.euw1.cache.amazonaws.com', port: 6379 },
        configEpoch: 0,
        shards: {
          '0002': { cacheClusterId: null, endpoint: '10.0.0.9:7002', sinceRevision: 1 },
          '0001': { cacheClusterId: 'carts-0001-001', endpoint: '10.0.0.9:7001', sinceRevision: 3 },
        },
        eventsReadUntil: '2026-11-25T05:59:00.000Z',
      },
      null,
    );

    const result = await handle(httpEvent('GET', '/clusters/alpha'));

    expect(result.statusCode).toBe(200);
    expect(body(result).state).toEqual({
      status: 'degraded',
      reasonCodes: ['REPLICA_DOWN'],
      master: 'carts.xyz.clustercfg.euw1.cache.amazonaws.com:6379',
      configEpoch: 0,
      disagreement: null,
      shards: [
        { nodeGroupId: '0001', cacheClusterId: 'carts-0001-001', endpoint: '10.0.0.9:7001' },
        { nodeGroupId: '0002', cacheClusterId: null, endpoint: '10.0.0.9:7002' },
      ],
      revision: 3,
      updatedAt: '2026-11-25T05:59:00.000Z',
    });
  });

  it('shows one cluster with its latest rotation, and links under a named stage', async () => {
    await backend.state.putClusterState(alphaState, null);
    await backend.state.putRotation(rotationRecord(), null);

    const result = await handle(httpEvent('GET', '/clusters/alpha', { stage: 'prod' }));

    expect(result.statusCode).toBe(200);
    expect(body(result)).toMatchObject({
      name: 'alpha',
      state: { status: 'degraded', master: '10.0.0.1:6379' },
      latestRotation: {
        rotationId: 'rot-earlier',
        phase: 'completed',
        links: { self: '/prod/clusters/alpha/rotations/rot-earlier' },
      },
      links: {
        self: '/prod/clusters/alpha',
        probe: '/prod/clusters/alpha/probe',
        rotations: '/prod/clusters/alpha/rotations',
      },
    });
  });

  it('answers 404 problem+json for a cluster not in the inventory', async () => {
    const problem = expectProblem(
      await handle(httpEvent('GET', '/clusters/gamma')),
      404,
      'unknown-cluster',
      '/clusters/gamma',
    );
    expect(problem.detail).toContain('"gamma"');
  });

  it('answers 404 for an unknown path and 405 with Allow for a wrong method', async () => {
    expectProblem(
      await handle(httpEvent('GET', '/nothing/here')),
      404,
      'not-found',
      '/nothing/here',
    );
    const result = await handle(httpEvent('DELETE', '/clusters/alpha'));
    expectProblem(result, 405, 'method-not-allowed', '/clusters/alpha');
    expect(result.headers?.allow).toBe('GET');
  });

  it('answers 500 without the error text or a stack when a port fails unexpectedly', async () => {
    Object.assign(backend.state, {
      listClusterStates: () => Promise.reject(new Error('SQLITE_IOERR: disk I/O error at /var/db')),
    });

    const result = await handle(httpEvent('GET', '/clusters', { requestId: 'req-boom' }));

    const problem = expectProblem(result, 500, 'internal', '/clusters');
    expect(problem.detail).toContain('req-boom');
    expect(problem.detail).not.toMatch(/sqlite|database|Error/i);
    expect(logger.lines.some((line) => line.level === 'error')).toBe(true);
  });
});

describe('api: probing', () => {
  it('returns the probe function report for the cluster', async () => {
    const result = await handle(httpEvent('POST', '/clusters/beta/probe'));

    expect(result.statusCode).toBe(200);
    expect(body(result)).toEqual({
      cluster: 'beta',
      report: { clusters: [{ cluster: 'beta', status: 'ok', reasons: [] }] },
    });
    expect(prober.calls).toEqual(['beta']);
  });

  it('answers 404 for an unknown cluster without invoking the probe', async () => {
    expectProblem(
      await handle(httpEvent('POST', '/clusters/gamma/probe')),
      404,
      'unknown-cluster',
      '/clusters/gamma/probe',
    );
    expect(prober.calls).toEqual([]);
  });

  it('answers 502 naming only the error type when the probe function fails', async () => {
    prober.failure = Object.assign(new Error('socket hang up at 10.1.2.3 with token xyz'), {
      name: 'TimeoutError',
    });
    const problem = expectProblem(
      await handle(httpEvent('POST', '/clusters/alpha/probe')),
      502,
      'upstream',
      '/clusters/alpha/probe',
    );
    expect(problem.detail).toContain('TimeoutError');
    expect(problem.detail).not.toContain('xyz');
  });
});

describe('api: starting a rotation', () => {
  const path = '/clusters/alpha/rotations';

  it('answers 202 with a Location and starts one execution named by the rotation id', async () => {
    const result = await handle(jsonPost(path, { force: true, gracePeriodSeconds: 120 }));

    expect(result.statusCode).toBe(202);
    const started = body(result);
    expect(started).toMatchObject({ cluster: 'alpha', status: 'started' });
    const rotationId = started.rotationId as string;
    expect(result.headers?.location).toBe(`/clusters/alpha/rotations/${rotationId}`);
    expect(started.links).toEqual({
      self: `/clusters/alpha/rotations/${rotationId}`,
      cluster: '/clusters/alpha',
    });
    expect(starter.calls).toEqual([
      { cluster: 'alpha', rotationId, actor: CALLER_ARN, isForced: true, gracePeriodMs: 120_000 },
    ]);
    // The lock is the rotation's, so its first step (same owner and holder) holds the lease.
    expect(await backend.state.getLock('alpha')).toMatchObject({
      owner: rotationId,
      holder: rotationId,
    });
  });

  it('accepts a request without a body (and without a Content-Type)', async () => {
    const result = await handle(httpEvent('POST', path));

    expect(result.statusCode).toBe(202);
    expect(starter.calls).toHaveLength(1);
    expect(starter.calls[0]).toMatchObject({ isForced: false });
    expect(starter.calls[0]).not.toHaveProperty('gracePeriodMs');
  });

  it('answers 404 for an unknown cluster and starts nothing', async () => {
    expectProblem(
      await handle(jsonPost('/clusters/gamma/rotations', {})),
      404,
      'unknown-cluster',
      '/clusters/gamma/rotations',
    );
    expect(starter.calls).toEqual([]);
  });

  it('answers 400 naming the JSON error and its position, and starts nothing', async () => {
    const malformed = (text: string) =>
      httpEvent('POST', path, { body: text, headers: { 'content-type': 'application/json' } });

    const trailingComma = expectProblem(
      await handle(malformed('{"force": true,}')),
      400,
      'malformed-json',
      path,
    );
    expect(trailingComma.detail).toContain('position 15');
    expect(trailingComma.position).toBe(15);
    const badLiteral = expectProblem(
      await handle(malformed('{"force": tru}')),
      400,
      'malformed-json',
      path,
    );
    expect(badLiteral.detail).toMatch(/not valid JSON/);
    expect(starter.calls).toEqual([]);
  });

  it('answers 415 for a body that is not application/json, and starts nothing', async () => {
    const event = httpEvent('POST', path, {
      body: 'force=true',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const result = await handle(event);

    const problem = expectProblem(result, 415, 'unsupported-media-type', path);
    expect(problem.detail).toContain('application/x-www-form-urlencoded');
    expect(result.headers?.['accept-post']).toBe('application/json');
    expect(starter.calls).toEqual([]);
  });

  it('answers 400 with one error per invalid field', async () => {
    const problem = expectProblem(
      await handle(jsonPost(path, { force: 'yes', gracePeriodSeconds: 90_000, color: 'red' })),
      400,
      'validation',
      path,
    );

    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { path: '/force', message: 'expected boolean' },
        { path: '/gracePeriodSeconds', message: 'must be at most 86400' },
        { path: '/color', message: 'unknown field' },
      ]),
    );
    expect(starter.calls).toEqual([]);
  });

  it('answers 409 while the latest rotation is not finished, and starts nothing', async () => {
    await backend.state.putRotation(
      rotationRecord({ rotationId: 'rot-running', phase: 'nodes-added', completedAt: null }),
      null,
    );

    const problem = expectProblem(await handle(jsonPost(path, {})), 409, 'rotation-running', path);

    expect(problem.detail).toContain('rot-running');
    expect(problem.detail).toContain('nodes-added');
    expect(starter.calls).toEqual([]);
    expect(await backend.state.getLock('alpha')).toBeUndefined();
  });

  it('answers 409 while another rotation holds the lock, and starts nothing', async () => {
    await backend.state.acquireLock(
      'alpha',
      { owner: 'rot-cli', holder: 'host:1:abc' },
      600_000,
      NOW,
    );

    const problem = expectProblem(await handle(jsonPost(path, {})), 409, 'rotation-running', path);

    expect(problem.detail).toContain('rot-cli');
    expect(starter.calls).toEqual([]);
    expect(await backend.state.getLock('alpha')).toMatchObject({ owner: 'rot-cli' });
  });

  it('lets only one of two racing requests start a rotation', async () => {
    const results = await Promise.all([
      handle(jsonPost(path, {})),
      handle(jsonPost(path, { force: true })),
    ]);

    expect(results.map((r) => r.statusCode).sort()).toEqual([202, 409]);
    expect(starter.calls).toHaveLength(1);
  });

  it('answers 502 and releases the lock when the execution cannot be started', async () => {
    starter.failure = Object.assign(
      new Error('User: arn:aws:sts::1:assumed-role/x is not authorized'),
      {
        name: 'AccessDeniedException',
      },
    );

    const problem = expectProblem(await handle(jsonPost(path, {})), 502, 'upstream', path);

    expect(problem.detail).toContain('AccessDeniedException');
    expect(problem.detail).not.toContain('assumed-role');
    expect(await backend.state.getLock('alpha')).toBeUndefined();
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'rotation start failed' }),
    );
  });
});

describe('api: a failed AWS call', () => {
  const path = '/clusters/alpha/rotations';

  it('names the call and its error code in the 502, not the service message with the account', async () => {
    // What the DynamoDB store throws when the role may not write the lock item.
    const denied = new AwsCallError(
      'DynamoDB',
      'PutItem',
      'AccessDeniedException',
      400,
      'DynamoDB PutItem cluster#alpha/lock in table redis-ha-state failed: User: arn:aws:sts::123456789012:assumed-role/api is not authorized to perform: dynamodb:PutItem',
    );
    const state = Object.assign(Object.create(backend.state) as StateStore, {
      acquireLock: () => Promise.reject(denied),
    });
    const handler = createApiHandler({ ...deps, state });

    const problem = expectProblem(
      await handler(jsonPost(path, {}), lambdaContext()),
      502,
      'upstream',
      path,
    );

    expect(problem.detail).toContain('DynamoDB PutItem: AccessDeniedException');
    expect(problem.detail).not.toContain('123456789012');
    expect(problem.detail).not.toContain('assumed-role');
    expect(starter.calls).toEqual([]);
  });
});

describe('api: Idempotency-Key', () => {
  const path = '/clusters/alpha/rotations';

  it('returns the same 202 for the same key and body without starting again', async () => {
    const key = { 'idempotency-key': `"key-${Math.random()}"` };
    const first = await handle(jsonPost(path, { force: true }, key));
    const second = await handle(jsonPost(path, { force: true }, key));

    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(body(second)).toEqual(body(first));
    expect(second.headers?.location).toBe(first.headers?.location);
    expect(second.headers?.['idempotent-replayed']).toBe('true');
    expect(first.headers?.['idempotent-replayed']).toBeUndefined();
    expect(starter.calls).toHaveLength(1);
    expect(starter.calls[0]?.rotationId).toBe(body(first).rotationId);
  });

  it('serves each keyed request with its own cluster and body', async () => {
    await handle(jsonPost(path, { force: true }, { 'idempotency-key': `a-${Math.random()}` }));
    await handle(
      jsonPost('/clusters/beta/rotations', {}, { 'idempotency-key': `b-${Math.random()}` }),
    );

    expect(starter.calls.map((c) => [c.cluster, c.isForced])).toEqual([
      ['alpha', true],
      ['beta', false],
    ]);
  });

  it('treats a body that only differs in spelling as the same request', async () => {
    const key = { 'idempotency-key': `key-${Math.random()}` };
    const first = await handle(jsonPost(path, {}, key));
    const second = await handle(jsonPost(path, { force: false }, key));

    expect(second.statusCode).toBe(202);
    expect(body(second).rotationId).toBe(body(first).rotationId);
    expect(starter.calls).toHaveLength(1);
  });

  it('answers 422 for the same key with a different body, and starts nothing more', async () => {
    const key = { 'idempotency-key': `key-${Math.random()}` };
    await handle(jsonPost(path, { force: false }, key));

    expectProblem(
      await handle(jsonPost(path, { force: true }, key)),
      422,
      'idempotency-key-reused',
      path,
    );
    expect(starter.calls).toHaveLength(1);
  });

  it('does not remember a refusal: the same key is decided again once the rotation ends', async () => {
    const key = { 'idempotency-key': `key-${Math.random()}` };
    await backend.state.putRotation(
      rotationRecord({ rotationId: 'rot-running', phase: 'verified', completedAt: null }),
      null,
    );
    expect((await handle(jsonPost(path, {}, key))).statusCode).toBe(409);

    await backend.state.putRotation(
      rotationRecord({ rotationId: 'rot-running', phase: 'completed' }),
      'verified',
    );
    expect((await handle(jsonPost(path, {}, key))).statusCode).toBe(202);
    expect(starter.calls).toHaveLength(1);
  });

  it('answers 400 for an Idempotency-Key that is not visible ASCII', async () => {
    expectProblem(
      await handle(jsonPost(path, {}, { 'idempotency-key': 'has space' })),
      400,
      'bad-request',
      path,
    );
    expect(starter.calls).toEqual([]);
  });
});

describe('api: reading a rotation', () => {
  it('returns the record and its journal, oldest first, and no secret', async () => {
    const record = rotationRecord({ rotationId: 'rot-7' });
    await backend.state.putRotation(record, null);
    // A field the record schema does not know must not reach the caller.
    await backend.state.appendJournal({
      rotationId: 'rot-7',
      cluster: 'alpha',
      at: '2026-11-24T10:00:01.000Z',
      step: 'lock',
      outcome: 'done',
      actor: CALLER_ARN,
      detail: 'locked alpha',
    });
    await backend.state.appendJournal({
      rotationId: 'rot-other',
      cluster: 'alpha',
      at: '2026-11-24T10:00:02.000Z',
      step: 'lock',
      outcome: 'done',
      actor: CALLER_ARN,
      detail: 'another rotation',
    });

    const result = await handle(httpEvent('GET', '/clusters/alpha/rotations/rot-7'));

    expect(result.statusCode).toBe(200);
    const detail = body(result);
    expect(detail.rotation).toEqual(record);
    expect(detail.journal).toEqual([
      {
        rotationId: 'rot-7',
        cluster: 'alpha',
        at: '2026-11-24T10:00:01.000Z',
        step: 'lock',
        outcome: 'done',
        actor: CALLER_ARN,
        detail: 'locked alpha',
      },
    ]);
    expect(detail.links).toEqual({
      self: '/clusters/alpha/rotations/rot-7',
      cluster: '/clusters/alpha',
    });
    expect(result.body).not.toMatch(/password"\s*:|secret/i);
  });

  it('answers 404 for an unknown rotation id or a rotation of another cluster', async () => {
    await backend.state.putRotation(rotationRecord({ rotationId: 'rot-7' }), null);

    expectProblem(
      await handle(httpEvent('GET', '/clusters/alpha/rotations/rot-8')),
      404,
      'unknown-rotation',
      '/clusters/alpha/rotations/rot-8',
    );
    expectProblem(
      await handle(httpEvent('GET', '/clusters/beta/rotations/rot-7')),
      404,
      'unknown-rotation',
      '/clusters/beta/rotations/rot-7',
    );
    expectProblem(
      await handle(httpEvent('GET', '/clusters/gamma/rotations/rot-7')),
      404,
      'unknown-cluster',
      '/clusters/gamma/rotations/rot-7',
    );
  });
});

describe('api: logging', () => {
  it('logs each request with its cluster and status', async () => {
    await handle(httpEvent('GET', '/clusters/alpha'));

    expect(logger.lines.at(-1)).toMatchObject({
      message: 'request',
      fields: { cluster: 'alpha', method: 'GET', path: '/clusters/alpha', status: 200 },
    });
  });
});
