// What the API shows of the stored state: plain projections of core records onto the response
// schemas of functions/core/api-schemas.ts. A rotation record and journal entries pass through
// their schemas, which drop any field the schema does not list: nothing unlisted leaks out.
import {
  journalEntrySchema,
  type ClusterStateSummary,
  type RotationDetail,
  type RotationSummary,
} from '../../core/api-schemas';
import type { ClusterState } from '../../core/cluster-state';
import { formatEndpoint } from '../../core/endpoint';
import type { JournalEntry } from '../../core/ports';
import type { RotationRecord } from '../../core/rotation';
import { rotationRecordSchema } from '../../core/rotation-record';

/** Links of the API, under the stage prefix (`` for `$default`). */
export function apiLinks(base: string) {
  const cluster = (name: string) => `${base}/clusters/${encodeURIComponent(name)}`;
  return {
    cluster,
    probe: (name: string) => `${cluster(name)}/probe`,
    rotations: (name: string) => `${cluster(name)}/rotations`,
    rotation: (name: string, id: string) => `${cluster(name)}/rotations/${encodeURIComponent(id)}`,
  };
}
export type ApiLinks = ReturnType<typeof apiLinks>;

export function stateSummary(state: ClusterState | undefined): ClusterStateSummary | null {
  if (!state) return null;
  return {
    status: state.status,
    reasonCodes: [...state.reasonCodes],
    master: state.master ? formatEndpoint(state.master) : null,
    configEpoch: state.configEpoch,
    disagreement: state.disagreement,
    ...(state.shards
      ? {
          shards: Object.entries(state.shards)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([nodeGroupId, shard]) => ({
              nodeGroupId,
              cacheClusterId: shard.cacheClusterId,
              endpoint: shard.endpoint,
            })),
        }
      : {}),
    revision: state.revision,
    updatedAt: state.updatedAt,
  };
}

export function rotationSummary(
  record: RotationRecord | undefined,
  links: ApiLinks,
): RotationSummary | null {
  if (!record) return null;
  return {
    rotationId: record.rotationId,
    phase: record.phase,
    isForced: record.isForced,
    startedAt: record.startedAt,
    updatedAt: record.updatedAt,
    completedAt: record.completedAt,
    error: record.error,
    links: { self: links.rotation(record.cluster, record.rotationId) },
  };
}

export function rotationDetail(
  record: RotationRecord,
  journal: readonly JournalEntry[],
  links: ApiLinks,
): RotationDetail {
  return {
    rotation: rotationRecordSchema.parse(record),
    journal: journal.map((entry) => journalEntrySchema.parse(entry)),
    links: {
      self: links.rotation(record.cluster, record.rotationId),
      cluster: links.cluster(record.cluster),
    },
  };
}
