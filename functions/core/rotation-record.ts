// The rotation record as it crosses a boundary (a store, a Step Functions state, an API reply):
// validated here, so a record edited by hand or written by an older version is refused with the
// field named instead of driving a rotation. zod/mini keeps this cheap in small Lambda bundles.
import * as z from 'zod/mini';
import { RedisHaError } from './errors';
import { describeIssues } from './zod-mini-issues';
import { RotationPhase, type RotationRecord } from './rotation';

const PHASES = Object.values(RotationPhase) as [RotationPhase, ...RotationPhase[]];
const isoTime = z
  .string()
  .check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO time'));

export const rotationRecordSchema = z.object({
  rotationId: z.string().check(z.minLength(1)),
  cluster: z.string().check(z.minLength(1)),
  phase: z.enum(PHASES),
  actor: z.string(),
  startedAt: isoTime,
  updatedAt: isoTime,
  gracePeriodMs: z.number().check(z.int(), z.nonnegative()),
  graceEndsAt: z.nullable(isoTime),
  isForced: z.boolean(),
  nodes: z.array(z.string()),
  sentinels: z.array(z.string()),
  error: z.nullable(z.string()),
  completedAt: z.nullable(isoTime),
  sharedPasswordUsers: z.optional(z.record(z.string(), z.array(z.string()))),
  unpersistedNodes: z.optional(z.array(z.string())),
  requestedChange: z.optional(
    z.object({ change: z.enum(['add-new', 'remove-old', 'restore-old']), at: isoTime }),
  ),
});

/** `value` as a RotationRecord, or a BAD_ROTATION_RECORD error naming each wrong field. */
export function parseRotationRecord(value: unknown, where: string): RotationRecord {
  const result = rotationRecordSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = describeIssues(result.error.issues, '(record)');
  throw new RedisHaError('BAD_ROTATION_RECORD', `${where}: invalid rotation record: ${problems}`);
}
