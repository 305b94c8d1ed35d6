// The decisions of an ElastiCache rotation (AUTH token, or an RBAC user's password) that need no
// I/O: where clients authenticate, whether the group or user is still applying a change, what a
// step that changes ElastiCache does next (ask, wait, or nothing: never ask twice for a change
// that took effect), why a rotation is refused, and the dry-run plan. Pure: no I/O, no clock.
import { formatEndpoint, type Endpoint } from './endpoint';
import type { ElastiCacheGroup, ElastiCacheUser } from './elasticache';
import { EventType } from './events';
import type { ElastiCacheCluster } from './inventory';
import { pendingParameterName } from './rotation';
import type { TemplateValues } from './template';

/** True for an AUTH token rotation, false for an RBAC user's password (`userId`). */
export function isTokenRotation(cluster: ElastiCacheCluster): boolean {
  return !cluster.userId;
}

/** The user clients AUTH as: the RBAC user name (default: its id), or none for a token. */
export function authUsername(cluster: ElastiCacheCluster): string | undefined {
  return cluster.userId ? (cluster.username ?? cluster.userId) : undefined;
}

/** Where clients authenticate: the configuration endpoint (cluster mode), else the primary's. */
export function clientEndpoint(group: ElastiCacheGroup): Endpoint | undefined {
  return group.configurationEndpoint ?? group.nodeGroups[0]?.primaryEndpoint;
}

/**
 * Why the group cannot take a token change now, or null: it must be `available` with no token
 * change pending (`PendingModifiedValues.AuthTokenStatus`), as ModifyReplicationGroup demands.
 */
export function groupBusy(group: ElastiCacheGroup): string | null {
  if (group.status === 'available' && !group.pendingAuthTokenStatus) return null;
  const pending = group.pendingAuthTokenStatus
    ? `, AuthTokenStatus ${group.pendingAuthTokenStatus}`
    : '';
  return `replication group ${group.replicationGroupId} to be available (status ${group.status}${pending})`;
}

/** Why the user cannot take a password change now (not `active`), or null. */
export function userBusy(user: ElastiCacheUser): string | null {
  return user.status === 'active'
    ? null
    : `ElastiCache user ${user.userId} to be active (status ${user.status})`;
}

/** What a step that changes ElastiCache does now. */
export type ChangeAction = 'wait' | 'done' | 'request';

/**
 * How long after its request a change that shows neither in the group's status nor on the data
 * plane is still given to show (the API's reads may lag its writes) before it is asked again.
 */
export const CHANGE_SETTLE_MS = 60_000;

export interface ChangeProgress {
  /** What the group or user is still applying (see `groupBusy`), or null. */
  readonly busy: string | null;
  /** Whether a real AUTH shows the change in effect; only asked when nothing is busy. */
  readonly isApplied: boolean;
  /** Milliseconds since this very change was recorded as requested; null when it was not. */
  readonly requestedMsAgo: number | null;
}

/**
 * A busy group or user is waited out; a change in effect is done, whoever asked for it (a run
 * that crashed after its call); a change requested less than CHANGE_SETTLE_MS ago is given time
 * to show; otherwise it is asked for (again: a request that left no effect by then never reached
 * ElastiCache). The data plane, not the record, decides: an applied ROTATE is never sent twice.
 */
export function changeAction(progress: ChangeProgress): ChangeAction {
  if (progress.busy) return 'wait';
  if (progress.isApplied) return 'done';
  const ago = progress.requestedMsAgo;
  return ago !== null && ago >= 0 && ago < CHANGE_SETTLE_MS ? 'wait' : 'request';
}

/** A refusal to start: what is wrong, and whether `--force` may override it. */
export interface StartRefusal {
  readonly text: string;
  readonly isForceable: boolean;
}

/** Why a rotation of `cluster` may not start on `group` (and the RBAC `user`), or null. */
export function startRefusal(
  cluster: ElastiCacheCluster,
  group: ElastiCacheGroup,
  user: ElastiCacheUser | undefined,
): StartRefusal | null {
  const id = group.replicationGroupId;
  if (isTokenRotation(cluster) && !group.isAuthTokenEnabled) {
    return {
      isForceable: false,
      text: `replication group ${id} has no AUTH token (AuthTokenEnabled is false): a ROTATE would add one while connections without a token stay allowed, leaving passwordless access open. Turn AUTH on first (ModifyReplicationGroup with an AuthToken and AuthTokenUpdateStrategy SET), or set userId for an RBAC user`,
    };
  }
  if (!clientEndpoint(group))
    return { isForceable: false, text: `replication group ${id} reports no primary endpoint` };
  if (cluster.userId) {
    if (!user)
      return {
        isForceable: false,
        text: `ElastiCache user ${cluster.userId} not found (check userId and the Region ${cluster.region})`,
      };
    if (user.authenticationType && user.authenticationType !== 'password')
      return {
        isForceable: false,
        text: `ElastiCache user ${user.userId} authenticates by ${user.authenticationType}, not by password: nothing to rotate`,
      };
  }
  const busy = groupBusy(group) ?? (user ? userBusy(user) : null);
  return busy ? { isForceable: true, text: `waiting for ${busy}` } : null;
}

/** Milliseconds a local runner waits before looking again at a change being applied. */
export function pollDelayMs(attempt: number): number {
  return Math.min(30_000, 2_000 * 2 ** Math.max(0, attempt));
}

/**
 * The placeholder values after a rotation of `cluster` on `group` with `password`. (The probe's
 * work on ElastiCache defines these too: one call site, to be merged with it.)
 */
export function elastiCacheTemplateValues(
  cluster: ElastiCacheCluster,
  group: ElastiCacheGroup,
  password: string,
): TemplateValues {
  const primary = clientEndpoint(group);
  const reader = group.isClusterModeEnabled ? undefined : group.nodeGroups[0]?.readerEndpoint;
  return {
    host: primary?.host ?? '',
    port: primary ? String(primary.port) : '',
    password,
    tls: cluster.tls.enabled ? 'true' : 'false',
    masterName: cluster.replicationGroupId,
    sentinels: '',
    readerHost: reader?.host ?? '',
    readerPort: reader ? String(reader.port) : '',
  };
}

export interface ElastiCachePlanInput {
  readonly group: ElastiCacheGroup;
  readonly refusal: StartRefusal | null;
  readonly isForced: boolean;
  readonly gracePeriodMs: number;
}

/** The steps a rotation would take, for `--dry-run`; secrets appear as `***`. */
export function elastiCacheRotationPlan(
  cluster: ElastiCacheCluster,
  input: ElastiCachePlanInput,
): string[] {
  const { group, refusal } = input;
  const id = cluster.replicationGroupId;
  const endpoint = clientEndpoint(group);
  const at = endpoint ? formatEndpoint(endpoint) : '(no endpoint)';
  const user = authUsername(cluster);
  const isToken = isTokenRotation(cluster);
  const verdict = refusal
    ? `${refusal.isForceable && input.isForced ? 'forced past' : 'would refuse'}: ${refusal.text}`
    : `group ${id} is ${group.status}`;
  const add = isToken
    ? `ModifyReplicationGroup ${id} AuthToken *** AuthTokenUpdateStrategy ROTATE ApplyImmediately (old and new valid)`
    : `ModifyUser ${cluster.userId} Passwords [***, ***] (old and new valid)`;
  const remove = isToken
    ? `ModifyReplicationGroup ${id} AuthToken *** AuthTokenUpdateStrategy SET`
    : `ModifyUser ${cluster.userId} Passwords [***]`;
  const waitFor = isToken ? `group ${id} available` : `user ${cluster.userId} active`;
  return [
    verdict,
    `1. lock ${cluster.name}`,
    `2. generate a ${cluster.rotation.length}-character ${isToken ? 'token' : 'password'}; store it as ${pendingParameterName(cluster.passwordParameter)} (secure)`,
    `3. ${add}; wait for ${waitFor}`,
    `4. verify: AUTH ${user ? `${user} ` : ''}*** and PING on ${at} over ${cluster.tls.enabled ? 'TLS' : 'TCP'}`,
    `5. publish: ${cluster.passwordParameter} and ${Object.keys(cluster.platformParameters).length} platform parameter(s); event ${EventType.rotationSucceeded}`,
    `6. after ${input.gracePeriodMs} ms: ${remove}; wait for ${waitFor}; verify the old one is refused; event ${EventType.rotationCompleted}`,
  ];
}
