import { describe, expect, it } from 'vitest';
import type { RotationPhase, RotationRecord } from '../../functions/core/rotation';
import {
  graceRemainingMs,
  graceSeconds,
  hasMovedPast,
  resolveFailure,
  RETRY_AFTER_ROLLBACK_MS,
  scheduledRotation,
  type FailureKind,
  type FailureResolution,
  type ScheduleInput,
} from '../../functions/core/rotation-policy';

const NOW = new Date('2026-01-10T12:00:00.000Z');
const DAY_MS = 86_400_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

function record(phase: RotationPhase, graceEndsAt: string | null = null): RotationRecord {
  return {
    rotationId: 'r-1',
    cluster: 'c',
    phase,
    actor: 'test',
    startedAt: ago(60_000),
    updatedAt: ago(1000),
    gracePeriodMs: 30_000,
    graceEndsAt,
    isForced: false,
    nodes: [],
    sentinels: [],
    error: null,
    completedAt: null,
  };
}

describe('rotation failure policy', () => {
  it.each<[RotationPhase, FailureKind, FailureResolution]>([
    ['started', 'failure', 'close-rolled-back'],
    ['pending-stored', 'failure', 'roll-back'],
    ['nodes-added', 'failure', 'roll-back'],
    ['sentinels-updated', 'failure', 'roll-back'],
    ['verified', 'failure', 'roll-back'],
    ['published', 'failure', 'roll-forward'],
    ['old-removed', 'failure', 'roll-forward'],
    ['rolling-back', 'failure', 'retry-rollback'],
    ['completed', 'failure', 'stop'],
    ['rolled-back', 'failure', 'stop'],
    ['started', 'conflict', 'stop'],
    ['verified', 'conflict', 'stop'],
    ['published', 'conflict', 'stop'],
    ['rolling-back', 'conflict', 'stop'],
  ])('resolves a %s step that ends in a %s by %s', (phase, kind, resolution) => {
    expect(resolveFailure(phase, kind)).toBe(resolution);
  });
});

describe('grace period', () => {
  it.each<[string, RotationRecord, number, number]>([
    ['published, 10.2 s left', record('published', ago(-10_200)), 10_200, 11],
    ['published, exactly 3 s left', record('published', ago(-3000)), 3000, 3],
    ['published, ended', record('published', ago(1)), 0, 0],
    ['published, ending now', record('published', NOW.toISOString()), 0, 0],
    ['verified (no grace yet)', record('verified'), 0, 0],
    ['old-removed with a grace end in the future', record('old-removed', ago(-5000)), 0, 0],
  ])('%s: %i ms and %i whole seconds remain', (_name, rec, ms, seconds) => {
    expect(graceRemainingMs(rec, NOW)).toBe(ms);
    expect(graceSeconds(rec, NOW)).toBe(seconds);
  });
});

describe('a retried step', () => {
  it.each<[RotationPhase, RotationPhase, boolean]>([
    ['nodes-added', 'pending-stored', true],
    ['completed', 'started', true],
    ['published', 'verified', true],
    ['pending-stored', 'pending-stored', false],
    ['pending-stored', 'nodes-added', false],
    ['rolling-back', 'nodes-added', true],
    ['rolling-back', 'started', true],
    ['rolled-back', 'verified', true],
    ['rolled-back', 'rolling-back', true],
    ['rolling-back', 'published', false],
    ['rolled-back', 'old-removed', false],
    ['rolling-back', 'rolling-back', false],
    ['rolling-back', 'rolled-back', false],
    ['verified', 'rolling-back', false],
    ['completed', 'rolled-back', false],
  ])('finds a record in %s past %s: %s', (current, expected, isPast) => {
    expect(hasMovedPast(current, expected)).toBe(isPast);
  });
});

describe('rotation schedule', () => {
  const completed = (ms: number) => ({
    ...record('completed'),
    completedAt: ago(ms),
    updatedAt: ago(ms),
  });
  const rolledBack = (ms: number) => ({ ...record('rolled-back'), updatedAt: ago(ms) });
  it.each<[string, Omit<ScheduleInput, 'now'>, 'none' | 'resume' | 'start']>([
    [
      'never rotated, every 30 days',
      { record: undefined, isLocked: false, everyDays: 30 },
      'start',
    ],
    [
      'never rotated, no schedule',
      { record: undefined, isLocked: false, everyDays: undefined },
      'none',
    ],
    [
      'completed 31 days ago',
      { record: completed(31 * DAY_MS), isLocked: false, everyDays: 30 },
      'start',
    ],
    [
      'completed 29 days ago',
      { record: completed(29 * DAY_MS), isLocked: false, everyDays: 30 },
      'none',
    ],
    [
      'completed 31 days ago, locked',
      { record: completed(31 * DAY_MS), isLocked: true, everyDays: 30 },
      'none',
    ],
    [
      'in flight, lock free (crashed or in grace)',
      { record: record('published'), isLocked: false, everyDays: undefined },
      'resume',
    ],
    [
      'in flight, lock held',
      { record: record('nodes-added'), isLocked: true, everyDays: 30 },
      'none',
    ],
    [
      'rolled back a minute ago',
      { record: rolledBack(60_000), isLocked: false, everyDays: 30 },
      'none',
    ],
    [
      'rolled back over an hour ago',
      { record: rolledBack(RETRY_AFTER_ROLLBACK_MS + 1), isLocked: false, everyDays: 30 },
      'start',
    ],
    [
      'rolled back long ago, no schedule',
      { record: rolledBack(10 * DAY_MS), isLocked: false, everyDays: undefined },
      'none',
    ],
  ])('%s: %s', (_name, input, action) => {
    expect(scheduledRotation({ ...input, now: NOW })).toBe(action);
  });
});
