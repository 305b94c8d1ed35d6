// What differs between the kinds of cluster in a rotation: how the new password gets next to the
// old one, is verified, published, and the old one removed (or the new one undone). The phases,
// the lock, the record, the journal and the failure policy around them are the same for every
// kind (rotation-phase.ts). Each step is idempotent: a resumed phase runs it again.
import type { Cluster } from '../core/inventory';
import { isSentinel } from '../core/inventory';
import type { RotationRecord } from '../core/rotation';
import { ElastiCacheRotation } from './elasticache-rotation';
import type { ControlDeps } from './reconcile';
import type { RevertOutcome, RotationSecrets } from './rotation-steps';
import type { RotationTrail } from './rotation-trail';
import { SentinelRotation } from './sentinel-rotation';

/** What a step did: the record with what it learnt, or what it still waits for. */
export interface StepOutcome {
  readonly record: RotationRecord;
  /**
   * Set when the step is under way but not done (ElastiCache still applying a change): what it
   * waits for, in words for a person and free of secrets. Run the same phase again later.
   */
  readonly waitingFor?: string;
}

/** A rollback attempt: what it could not do, or what it still waits for. */
export type RevertStep =
  | { readonly record: RotationRecord; readonly waitingFor: string }
  | { readonly record: RotationRecord; readonly reverted: RevertOutcome };

export interface RotationMechanics {
  /** `pending-stored` → `nodes-added`: the new password valid next to the old one. */
  addPassword(record: RotationRecord, secrets: RotationSecrets): Promise<StepOutcome>;
  /** `nodes-added` → `sentinels-updated`: whatever authenticates on the clients' behalf follows. */
  updateSentinels(record: RotationRecord, secrets: RotationSecrets): Promise<StepOutcome>;
  /** `sentinels-updated` → `verified`: the new password proven by a real AUTH. */
  verify(record: RotationRecord, secrets: RotationSecrets): Promise<StepOutcome>;
  /** Part of `verified` → `published`: the password and platform parameters hold the new one. */
  publish(record: RotationRecord, secrets: RotationSecrets): Promise<void>;
  /** `published` → `old-removed`: only the new password remains, the old one proven refused. */
  removeOldPassword(record: RotationRecord, secrets: RotationSecrets): Promise<StepOutcome>;
  /** `rolling-back`: the old password the only one again. */
  revert(record: RotationRecord, secrets: RotationSecrets): Promise<RevertStep>;
}

/** The mechanics of `cluster`'s kind; `trail` saves what a step must record before it acts. */
export function mechanicsFor(
  cluster: Cluster,
  deps: ControlDeps,
  trail: RotationTrail,
): RotationMechanics {
  return isSentinel(cluster)
    ? new SentinelRotation(cluster, deps)
    : new ElastiCacheRotation(cluster, deps, trail);
}
