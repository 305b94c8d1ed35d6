import { describe, expect, it } from 'vitest';
import { RedisHaError } from '../../functions/core/errors';
import type { RotationRecord } from '../../functions/core/rotation';
import {
  expectedPhaseOf,
  parseRotationTaskInput,
  rotationTaskOutput,
} from '../../functions/core/rotation-task-input';

const VALID = {
  action: 'advance',
  cluster: 'orders',
  rotationId: 'exec-1',
  expectedPhase: 'nodes-added',
  actor: 'api:ops',
  isForced: false,
};

describe('rotation task input', () => {
  it('accepts a valid input and the output of a previous task as the next input', () => {
    const previousOutput = {
      cluster: 'orders',
      rotationId: 'exec-1',
      actor: 'api:ops',
      isForced: false,
      phase: 'verified',
      graceSeconds: 30,
    };

    const parsed = parseRotationTaskInput(VALID);
    const chained = parseRotationTaskInput({ ...previousOutput, action: 'advance' });

    expect(parsed).toEqual(VALID);
    expect(expectedPhaseOf(parsed)).toBe('nodes-added');
    expect(expectedPhaseOf(chained)).toBe('verified');
    expect(expectedPhaseOf({ ...parsed, expectedPhase: undefined })).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'an unknown action',
      { ...VALID, action: 'pause' },
      /^rotation task input: action: expected one of start, advance, rollback$/,
    ],
    ['a missing cluster', { ...VALID, cluster: undefined }, /cluster: expected string/],
    ['an empty rotation id', { ...VALID, rotationId: '' }, /rotationId: must be at least 1/],
    [
      'an unknown phase',
      { ...VALID, expectedPhase: 'halfway' },
      /expectedPhase: expected one of started, .*rolled-back/,
    ],
    ['isForced as a string', { ...VALID, isForced: 'yes' }, /isForced: expected boolean/],
    ['a negative grace period', { ...VALID, gracePeriodMs: -1 }, /gracePeriodMs: /],
    ['an unknown field', { ...VALID, password: 'x' }, /\(input\): unknown field\(s\) password/],
    [
      'not an object',
      'advance' as unknown as Record<string, unknown>,
      /\(input\): expected object/,
    ],
  ])('rejects %s, naming the field', (_name, input, message) => {
    let caught: unknown;
    try {
      parseRotationTaskInput(input);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(RedisHaError);
    expect((caught as RedisHaError).code).toBe('BAD_ROTATION_TASK_INPUT');
    expect((caught as Error).message).toMatch(message);
  });

  it.each<[string, Partial<RotationRecord>, number]>([
    ['in its grace period', { phase: 'published', graceEndsAt: '2026-01-10T12:00:42.500Z' }, 43],
    [
      'published after its grace period',
      { phase: 'published', graceEndsAt: '2026-01-10T11:00:00.000Z' },
      0,
    ],
    ['before publishing', { phase: 'nodes-added', graceEndsAt: null }, 0],
  ])('outputs the record %s with the whole seconds of grace left', (_name, fields, seconds) => {
    const record: RotationRecord = {
      rotationId: 'exec-1',
      cluster: 'orders',
      phase: 'started',
      actor: 'api:ops',
      startedAt: '2026-01-10T11:59:00.000Z',
      updatedAt: '2026-01-10T11:59:30.000Z',
      gracePeriodMs: 60_000,
      graceEndsAt: null,
      isForced: true,
      nodes: ['10.0.0.1:6379'],
      sentinels: ['10.0.0.1:26379'],
      error: null,
      completedAt: null,
      ...fields,
    };

    expect(rotationTaskOutput(record, new Date('2026-01-10T12:00:00.000Z'))).toEqual({
      cluster: 'orders',
      rotationId: 'exec-1',
      actor: 'api:ops',
      isForced: true,
      phase: fields.phase,
      graceSeconds: seconds,
    });
  });
});
