// The rotation handler on its own (no Redis needed): payloads that do not fit the contract fail
// BadRotationTaskInput (a name Step Functions does not retry) and change nothing; a rollback of
// a start that never committed releases the lock; the schedule starts executions only for the
// clusters whose rotation is due and not in flight. AWS adapters on dynalite and the fakes.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RotationRecord } from '../../functions/core/rotation';
import type { StateStore } from '../../functions/core/ports';
import { PowertoolsLoggerAdapter } from '../../functions/handlers/shared/powertools-logger';
import { inventoryOrThrow } from '../../sandbox/inventory';
import { OfflineAws, RecordingStarter, rotationFunction } from './step-functions-support';

const DAY_MS = 86_400_000;
const cluster = (name: string, everyDays?: number) => ({
  name,
  sentinels: ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'],
  masterName: name,
  passwordParameter: `/${name}/redis/password`,
  ...(everyDays === undefined ? {} : { rotation: { everyDays } }),
});
const inventory = inventoryOrThrow({
  clusters: [
    cluster('due', 30),
    cluster('recent', 30),
    cluster('manual'),
    cluster('in-flight', 1),
    cluster('locked', 1),
    cluster('never-rotated', 7),
    cluster('cooling-down', 1),
    cluster('in-grace'),
    cluster('busy'),
  ],
});

let aws: OfflineAws;
let state: StateStore;
beforeAll(async () => {
  aws = await OfflineAws.start();
  state = aws.controlDeps(
    new PowertoolsLoggerAdapter(new PowertoolsLogger({ logLevel: 'SILENT' })),
  ).state;
});
afterAll(() => aws?.stop());

function record(
  name: string,
  phase: RotationRecord['phase'],
  atMs: number,
  rotationId = `${name}-1`,
): RotationRecord {
  const at = new Date(atMs).toISOString();
  return {
    rotationId,
    cluster: name,
    phase,
    actor: 'test',
    startedAt: at,
    updatedAt: at,
    gracePeriodMs: 1000,
    graceEndsAt: null,
    isForced: false,
    nodes: [],
    sentinels: [],
    error: null,
    completedAt: phase === 'completed' ? at : null,
  };
}

const START = {
  action: 'start',
  cluster: 'due',
  rotationId: 'r-1',
  actor: 'test',
  isForced: false,
  request: { cluster: 'due', rotationId: 'r-1', actor: 'test', isForced: false },
};

describe('rotation handler', () => {
  it.each([
    ['no action', {}, /action: expected one of schedule, start, advance, rollback/],
    ['an unknown action', { ...START, action: 'rotate' }, /action: expected one of/],
    ['no cluster', { ...START, cluster: undefined }, /cluster: expected string/],
    ['a wrong field type', { ...START, isForced: 'no' }, /isForced: expected boolean/],
    ['an unknown field', { ...START, extra: 1 }, /unknown field\(s\) extra/],
    ['a request on advance', { ...START, action: 'advance' }, /request: only a start takes one/],
    [
      'a failure on advance',
      { ...START, request: undefined, action: 'advance', failure: { Error: 'X' } },
      /failure: only a rollback takes one/,
    ],
    [
      'a bad grace period',
      { ...START, request: { gracePeriodMs: 'long' } },
      /request.gracePeriodMs/,
    ],
    [
      'a cluster not in the inventory',
      { ...START, cluster: 'nope' },
      /cluster: nope is not in the inventory/,
    ],
    [
      'extra fields on schedule',
      { action: 'schedule', cluster: 'due' },
      /unknown field\(s\) cluster/,
    ],
  ])('refuses %s as BadRotationTaskInput and changes nothing', async (_what, event, message) => {
    const published = aws.sns.published.length;
    const starter = new RecordingStarter();
    const fn = rotationFunction({ inventory, aws, starter });

    const failed = fn.invoke(event);

    await expect(failed).rejects.toMatchObject({ name: 'BadRotationTaskInput' });
    await expect(failed).rejects.toThrow(message);
    expect(aws.sns.published.length).toBe(published);
    expect(starter.calls).toEqual([]);
    expect(await state.getRotation('due', 'r-1')).toBeUndefined();
    expect(await state.getLock('due')).toBeUndefined();
  });

  it('rolls back a rotation whose start never committed: nothing to undo, its lock released', async () => {
    const now = new Date();
    await state.acquireLock('manual', { owner: 'r-lost', holder: 'r-lost' }, 60_000, now);
    const fn = rotationFunction({ inventory, aws });

    const output = await fn.invoke({
      action: 'rollback',
      cluster: 'manual',
      rotationId: 'r-lost',
      actor: 'test',
      isForced: false,
      failure: { Error: 'States.Timeout' },
    });

    expect(output).toEqual({
      cluster: 'manual',
      rotationId: 'r-lost',
      actor: 'test',
      isForced: false,
      phase: 'rolled-back',
      graceSeconds: 0,
    });
    expect(await state.getLock('manual')).toBeUndefined();
  });

  it('refuses a start while another rotation holds the lock as RotationLocked (not retried), writing nothing', async () => {
    await state.acquireLock('busy', { owner: 'other', holder: 'other' }, 60_000, new Date());
    const fn = rotationFunction({ inventory, aws });
    const published = aws.sns.published.length;

    const start = fn.invoke({
      ...START,
      cluster: 'busy',
      rotationId: 'r-busy',
      request: { ...START.request, cluster: 'busy', rotationId: 'r-busy' },
    });

    await expect(start).rejects.toMatchObject({ name: 'RotationLocked' });
    expect(await state.getRotation('busy')).toBeUndefined();
    expect(await state.getLock('busy')).toMatchObject({ owner: 'other' });
    expect(aws.sns.published.length).toBe(published);
  });

  it('fails RemoveOld as GracePeriodRunning (retried) while the grace period runs, changing nothing', async () => {
    const now = Date.now();
    const published = {
      ...record('in-grace', 'published', now),
      graceEndsAt: new Date(now + 60_000).toISOString(),
    };
    await state.putRotation(published, null);
    const fn = rotationFunction({ inventory, aws });

    const early = fn.invoke({
      action: 'advance',
      cluster: 'in-grace',
      rotationId: 'in-grace-1',
      actor: 'test',
      isForced: false,
      expectedPhase: 'published',
    });

    await expect(early).rejects.toMatchObject({ name: 'GracePeriodRunning' });
    await expect(early).rejects.toThrow(/the grace period runs for (59|60) s more/);
    expect(await state.getRotation('in-grace', 'in-grace-1')).toEqual(published);
  });

  it('starts an execution, actor schedule, only for the clusters whose rotation is due and not in flight', async () => {
    const now = Date.now();
    await state.putRotation(record('due', 'completed', now - 40 * DAY_MS), null);
    await state.putRotation(record('recent', 'completed', now - 10 * DAY_MS), null);
    await state.putRotation(record('in-flight', 'published', now - 2 * DAY_MS), null);
    await state.putRotation(record('cooling-down', 'rolled-back', now - 60_000), null);
    await state.acquireLock('locked', { owner: 'x', holder: 'x' }, 60_000, new Date(now));
    const starter = new RecordingStarter();
    const logs: string[] = [];
    const fn = rotationFunction({ inventory, aws, starter, output: (line) => logs.push(line) });

    const outcome = (await fn.invoke({ action: 'schedule' })) as {
      started: Record<string, string>;
    };

    expect(starter.calls.map((c) => c.cluster)).toEqual(['due', 'never-rotated']);
    for (const call of starter.calls) {
      expect(call).toEqual({
        cluster: call.cluster,
        rotationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        actor: 'schedule',
        isForced: false,
      });
      expect(outcome.started[call.cluster]).toBe(call.rotationId);
    }
    expect(new Set(starter.calls.map((c) => c.rotationId)).size).toBe(2);
    expect(logs.join('')).toMatch(
      /rotation in flight; left to its execution.*"cluster":"in-flight"/,
    );
  });

  it('keeps starting the other clusters when one start fails, and logs the failure', async () => {
    const starter = new RecordingStarter();
    const failing = {
      calls: starter.calls,
      start: async (input: Parameters<RecordingStarter['start']>[0]) => {
        if (input.cluster === 'due')
          throw Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' });
        return starter.start(input);
      },
    };
    const logs: string[] = [];
    const fn = rotationFunction({
      inventory,
      aws,
      starter: failing,
      output: (line) => logs.push(line),
    });

    const outcome = (await fn.invoke({ action: 'schedule' })) as {
      started: Record<string, string>;
    };

    expect(Object.keys(outcome.started)).toEqual(['never-rotated']);
    expect(logs.join('')).toMatch(
      /scheduled rotation not started.*"cluster":"due".*ThrottlingException: rate exceeded/,
    );
  });
});
