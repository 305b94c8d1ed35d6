// The HTTP API's request and response shapes: one zod/mini schema per input and output, used by
// the handler to validate requests and by scripts/openapi.ts to write the OpenAPI 3.1 document,
// so the two cannot drift. Pure. zod/mini (about 14 KB) keeps the API Lambda's cold start small;
// classic zod (and the full inventory schema) must never reach this bundle.
import * as z from 'zod/mini';
import { describeIssue } from './zod-mini-issues';
import type { FieldError } from './problem';
import { rotationRecordSchema } from './rotation-record';

/** The longest grace period a caller may ask for: one day. */
export const MAX_GRACE_PERIOD_SECONDS = 86_400;

/** A cluster name as the inventory allows it (path parameter `{name}`). */
export const clusterNameSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'expected a cluster name'));

/** A rotation id (path parameter `{id}`): what the API hands out, and the CLI's UUIDs. */
export const rotationIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{1,80}$/, 'expected a rotation id'));

/** Body of `POST /clusters/{name}/rotations`; an absent body means `{}`. */
export const startRotationRequestSchema = z.strictObject({
  /** Rotate even when the cluster's verdict is not `ok`. */
  force: z.optional(z.boolean()),
  /** How long old and new passwords both work; the inventory's grace period when absent. */
  gracePeriodSeconds: z.optional(z.int().check(z.gte(0), z.lte(MAX_GRACE_PERIOD_SECONDS))),
});
export type StartRotationRequest = z.infer<typeof startRotationRequestSchema>;

const linkSchema = z.string();

/** An ElastiCache node group's last confirmed primary node. */
export const shardPrimarySummarySchema = z.object({
  nodeGroupId: z.string(),
  /** Null when the probe could not map the node to its cache cluster id. */
  cacheClusterId: z.nullable(z.string()),
  /** The node's own `host:port`, when known. */
  endpoint: z.nullable(z.string()),
});

/**
 * What redis-ha last committed about a cluster; null fields: not known yet. There is no sentinel
 * field: an ElastiCache group has no sentinels, `shards` names its primaries instead.
 */
export const clusterStateSummarySchema = z.object({
  status: z.nullable(z.enum(['ok', 'degraded', 'critical'])),
  reasonCodes: z.array(z.string()),
  /**
   * Last confirmed master, `host:port`: the one the sentinels name, or an ElastiCache group's
   * primary node (cluster mode disabled) or configuration endpoint (enabled).
   */
  master: z.nullable(z.string()),
  /** Sentinel clusters; 0 for ElastiCache. */
  configEpoch: z.number(),
  /** Vote split while the sentinels disagree; always null for ElastiCache. */
  disagreement: z.nullable(z.string()),
  /** ElastiCache only: each node group's last confirmed primary, by node group id. */
  shards: z.optional(z.array(shardPrimarySummarySchema)),
  revision: z.int(),
  updatedAt: z.string(),
});
export type ClusterStateSummary = z.infer<typeof clusterStateSummarySchema>;

export const clusterSummarySchema = z.object({
  name: z.string(),
  /** Null until the first probe commits a state. */
  state: z.nullable(clusterStateSummarySchema),
  links: z.object({ self: linkSchema }),
});
export type ClusterSummary = z.infer<typeof clusterSummarySchema>;

export const clusterListSchema = z.object({ clusters: z.array(clusterSummarySchema) });
export type ClusterList = z.infer<typeof clusterListSchema>;

export const rotationSummarySchema = z.object({
  rotationId: z.string(),
  phase: rotationRecordSchema.shape.phase,
  isForced: z.boolean(),
  startedAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.nullable(z.string()),
  error: z.nullable(z.string()),
  links: z.object({ self: linkSchema }),
});
export type RotationSummary = z.infer<typeof rotationSummarySchema>;

export const clusterDetailSchema = z.object({
  name: z.string(),
  state: z.nullable(clusterStateSummarySchema),
  /** The cluster's latest rotation, if it ever had one. */
  latestRotation: z.nullable(rotationSummarySchema),
  links: z.object({ self: linkSchema, probe: linkSchema, rotations: linkSchema }),
});
export type ClusterDetail = z.infer<typeof clusterDetailSchema>;

/** `POST /clusters/{name}/probe`: the probe function's report for that cluster, as it sent it. */
export const probeResultSchema = z.object({
  cluster: z.string(),
  report: z.unknown(),
});
export type ProbeResult = z.infer<typeof probeResultSchema>;

export const rotationStartedSchema = z.object({
  rotationId: z.string(),
  cluster: z.string(),
  status: z.literal('started'),
  links: z.object({ self: linkSchema, cluster: linkSchema }),
});
export type RotationStarted = z.infer<typeof rotationStartedSchema>;

export const journalEntrySchema = z.object({
  rotationId: z.string(),
  cluster: z.string(),
  at: z.string(),
  step: z.string(),
  outcome: z.enum(['started', 'done', 'failed', 'skipped']),
  actor: z.string(),
  detail: z.string(),
});

/** A rotation record (no secret: the record never holds one) and its journal, oldest first. */
export const rotationDetailSchema = z.object({
  rotation: rotationRecordSchema,
  journal: z.array(journalEntrySchema),
  links: z.object({ self: linkSchema, cluster: linkSchema }),
});
export type RotationDetail = z.infer<typeof rotationDetailSchema>;

/** RFC 9457 problem details, as every error of this API is sent. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  instance: z.string(),
  requestId: z.optional(z.string()),
  errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  position: z.optional(z.int()),
});

/**
 * The part of the inventory (REDIS_HA_INVENTORY, validated in full at synth) that the API needs:
 * the cluster names. The full schema is classic zod and would triple the bundle.
 */
export const apiInventorySchema = z.object({
  clusters: z.array(z.object({ name: clusterNameSchema })),
});
export type ApiInventory = z.infer<typeof apiInventorySchema>;

/** The failures of a zod/mini parse, one per field, with JSON Pointer paths. */
export function fieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue): FieldError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: pointer([...issue.path, key]), message: 'unknown field' }))
      : [{ path: pointer(issue.path), message: describeIssue(issue) }],
  );
}

/** RFC 6901 JSON Pointer of a zod path (`""` is the whole document). */
export function pointer(path: readonly PropertyKey[]): string {
  return path.map((key) => `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
