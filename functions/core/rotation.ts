// The password rotation state machine: phases, what each step does, how a failure resolves
// (roll back before publishing, forward after), and password generation. ElastiCache groups run
// the same phases (nodes-added: ROTATE or both RBAC passwords applied; sentinels-updated: nothing
// to do; old-removed: SET or the new password alone applied). Pure:
// functions/control/rotation-phase.ts does the I/O, one phase per call.
import { RedisHaError } from './errors';
import { EventType } from './events';
import type { SentinelCluster } from './inventory';
import type { Status } from './verdict';

/**
 * Phases in order. Each names the last step that is *done*; the runner resumes with the next.
 * The dual-password window opens at `nodes-added` and closes at `old-removed`.
 */
export const RotationPhase = {
  /** Lock taken, plan recorded. */
  started: 'started',
  /** New password stored as pending in the parameter store (and the old one as previous). */
  pendingStored: 'pending-stored',
  /** Every data node accepts old and new; masterauth is the new one; persisted. */
  nodesAdded: 'nodes-added',
  /** Every sentinel uses the new password (auth-pass). */
  sentinelsUpdated: 'sentinels-updated',
  /** New password authenticates everywhere, replication up, sentinels agree. */
  verified: 'verified',
  /** Password parameter and platform parameters hold the new value; grace period runs. */
  published: 'published',
  /** Old password removed everywhere and refused. */
  oldRemoved: 'old-removed',
  completed: 'completed',
  rollingBack: 'rolling-back',
  rolledBack: 'rolled-back',
} as const;
export type RotationPhase = (typeof RotationPhase)[keyof typeof RotationPhase];

/** The forward path, in order; `rolling-back` and `rolled-back` lie off it. */
export const FORWARD_PHASES: readonly RotationPhase[] = [
  'started',
  'pending-stored',
  'nodes-added',
  'sentinels-updated',
  'verified',
  'published',
  'old-removed',
  'completed',
];

/** The persisted record of one rotation. Never holds a password. */
export interface RotationRecord {
  readonly rotationId: string;
  readonly cluster: string;
  readonly phase: RotationPhase;
  readonly actor: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly gracePeriodMs: number;
  /** When the old password may be removed (set when publishing). */
  readonly graceEndsAt: string | null;
  readonly isForced: boolean;
  /** Data nodes (dial addresses) the rotation touches; grows if a failover adds one. */
  readonly nodes: readonly string[];
  readonly sentinels: readonly string[];
  /** Why it is rolling back, or why it failed; no secret. */
  readonly error: string | null;
  readonly completedAt: string | null;
  /**
   * Other ACL users than the rotated one that accepted the old password at step 1 (or step 3),
   * per node: they get the new password in the same window and lose the old one at step 7, so a
   * rotation after a leak leaves the old secret dead everywhere. Absent in older records.
   */
  readonly sharedPasswordUsers?: Readonly<Record<string, readonly string[]>>;
  /** Nodes rotated in memory only (no config file; `rotation.allowUnpersisted`). */
  readonly unpersistedNodes?: readonly string[];
  /**
   * ElastiCache: the last change asked of the API (ModifyReplicationGroup, ModifyUser), saved
   * BEFORE the call, so a step resumed after a crash knows the call may have been applied and
   * looks before it asks again. Absent for Sentinel clusters and older records.
   */
  readonly requestedChange?: RequestedChange;
}

/** A change of an ElastiCache rotation asked of the API (see `RotationRecord.requestedChange`). */
export interface RequestedChange {
  /** `add-new`: ROTATE / both passwords; `remove-old`: SET / the new one alone; `restore-old`: the rollback. */
  readonly change: 'add-new' | 'remove-old' | 'restore-old';
  readonly at: string;
}

export function isTerminal(phase: RotationPhase): boolean {
  return phase === 'completed' || phase === 'rolled-back';
}

/** True once the new password is what the platforms read: failures then roll forward. */
export function isPublished(phase: RotationPhase): boolean {
  return FORWARD_PHASES.indexOf(phase) >= FORWARD_PHASES.indexOf('published');
}

/** The phase after `phase` on the forward path. */
export function nextPhase(phase: RotationPhase): RotationPhase {
  const index = FORWARD_PHASES.indexOf(phase);
  if (index < 0 || index === FORWARD_PHASES.length - 1) {
    throw new RedisHaError('ROTATION_NO_NEXT_PHASE', `no phase after ${phase}`);
  }
  return FORWARD_PHASES[index + 1] as RotationPhase;
}

/** Where the in-flight passwords live, next to the password parameter. */
export function pendingParameterName(passwordParameter: string): string {
  return `${passwordParameter}/pending`;
}
export function previousParameterName(passwordParameter: string): string {
  return `${passwordParameter}/previous`;
}

/** Whether a cluster's scheduled rotation is due (no rotation yet counts as due). */
export function isRotationDue(
  everyDays: number | undefined,
  lastCompletedAt: string | null,
  now: Date,
): boolean {
  if (!everyDays) return false;
  if (!lastCompletedAt) return true;
  return now.getTime() - Date.parse(lastCompletedAt) >= everyDays * 86_400_000;
}

/**
 * A password of `length` characters drawn uniformly from `alphabet` (rejection sampling, so no
 * character is more likely than another). `randomBytes` is the injected source of randomness.
 */
export function generatePassword(
  alphabet: string,
  length: number,
  randomBytes: (size: number) => Uint8Array,
): string {
  const chars = [...new Set(alphabet)];
  if (chars.length < 2 || chars.length > 256) {
    throw new RedisHaError(
      'BAD_ALPHABET',
      'the password alphabet needs 2 to 256 distinct characters',
    );
  }
  const limit = 256 - (256 % chars.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit) out += chars[byte % chars.length];
      if (out.length === length) break;
    }
  }
  return out;
}

export interface PlanInput {
  /** Data nodes the rotation would touch (dial addresses). */
  readonly nodes: readonly string[];
  readonly status: Status;
  readonly isForced: boolean;
  readonly gracePeriodMs: number;
  /** Users sharing the old password, as `describeSharedUsers` words them; empty when none. */
  readonly sharedUsers: string;
  /** Why the rotation would be refused (no config file), or a warning that it stays in memory. */
  readonly configFileNote: { readonly isRefusal: boolean; readonly text: string } | null;
}

/** The steps a rotation would take, for `--dry-run`; passwords appear as `***`. */
export function rotationPlan(cluster: SentinelCluster, input: PlanInput): string[] {
  const user = cluster.username ?? 'default';
  const config = cluster.commandRenames.CONFIG ?? 'CONFIG';
  const sentinelToo = cluster.rotation.rotateSentinelPassword
    ? ` ; their own password too: ACL SETUSER ${cluster.sentinelUsername ?? 'default'} >*** , SENTINEL CONFIG SET sentinel-pass ***`
    : '';
  const refusal =
    input.status === 'ok' ? '' : input.isForced ? ' (forced)' : ' -> would refuse without --force';
  const note = input.configFileNote;
  return [
    `verdict now: ${input.status}${refusal}`,
    ...(note ? [`${note.isRefusal ? 'would refuse' : 'warning'}: ${note.text}`] : []),
    ...(input.sharedUsers
      ? [
          `the old password is also accepted by ${input.sharedUsers}: they get the new password in the same window and lose the old one at step 7`,
        ]
      : []),
    `1. lock ${cluster.name}`,
    `2. generate a ${cluster.rotation.length}-character password; store it as ${pendingParameterName(cluster.passwordParameter)} (secure)`,
    `3. on ${input.nodes.join(', ')}: ACL SETUSER ${user} >*** ; ${config} SET masterauth ***${cluster.username ? ` ; ${config} SET masteruser ${user}` : ''} ; persist (${config} REWRITE / ACL SAVE)`,
    `4. on ${cluster.sentinels.join(', ')}: SENTINEL SET ${cluster.masterName} auth-pass ***${cluster.username ? ` ; auth-user ${user}` : ''}${sentinelToo}`,
    '5. verify: new password on every node, replication links up, sentinels agree',
    `6. publish: ${cluster.passwordParameter} and ${Object.keys(cluster.platformParameters).length} platform parameter(s); event ${EventType.rotationSucceeded}`,
    `7. after ${input.gracePeriodMs} ms: remove the old password on every node, verify it is refused, unlock; event ${EventType.rotationCompleted}`,
  ];
}
