// Step 1 of an ElastiCache rotation, before anything is written: the group (and RBAC user) as
// ElastiCache describes them, the refusals (no AUTH on the group, no such user, a stored password
// the group refuses), and the endpoint the rotation proves passwords at. Reads the stored
// password to try it; never writes, records or logs it.
import { gracePeriodMs } from '../core/cluster-addresses';
import type { ElastiCacheGroup, ElastiCacheUser } from '../core/elasticache';
import {
  clientEndpoint,
  elastiCacheRotationPlan,
  startRefusal,
  type StartRefusal,
} from '../core/elasticache-rotation';
import { formatEndpoint } from '../core/endpoint';
import type { ElastiCacheCluster } from '../core/inventory';
import { acceptsPassword, elastiCacheApiOf } from './elasticache-rotation';
import type { ControlDeps } from './reconcile';
import { RotationRefusedError } from './rotation-errors';

interface ElastiCachePreflight {
  readonly group: ElastiCacheGroup;
  readonly refusal: StartRefusal | null;
}

/** What a new rotation's record holds for the group: its client endpoint, no sentinels. */
export interface ElastiCacheStart {
  readonly nodes: string[];
  readonly sentinels: string[];
}

/**
 * Checks `cluster` before a rotation starts. Throws RotationRefusedError: a group without AUTH,
 * an unknown user or a stored password the group refuses (never forceable), a group or user
 * still applying a change (forceable: the first change then waits for it).
 */
export async function elastiCacheStart(
  cluster: ElastiCacheCluster,
  deps: ControlDeps,
  isForced: boolean,
): Promise<ElastiCacheStart> {
  const { group, refusal } = await preflight(cluster, deps);
  if (refusal && (!refusal.isForceable || !isForced))
    throw new RotationRefusedError(cluster.name, refusal.text, refusal.isForceable);
  const endpoint = clientEndpoint(group);
  return { nodes: endpoint ? [formatEndpoint(endpoint)] : [], sentinels: [] };
}

/** What a rotation of `cluster` would do (`rotate --dry-run`). */
export async function planElastiCacheRotation(
  cluster: ElastiCacheCluster,
  deps: ControlDeps,
  options: { readonly isForced: boolean; readonly gracePeriodMs?: number },
): Promise<string[]> {
  const { group, refusal } = await preflight(cluster, deps);
  return elastiCacheRotationPlan(cluster, {
    group,
    refusal,
    isForced: options.isForced,
    gracePeriodMs: options.gracePeriodMs ?? gracePeriodMs(cluster),
  });
}

async function preflight(
  cluster: ElastiCacheCluster,
  deps: ControlDeps,
): Promise<ElastiCachePreflight> {
  const api = elastiCacheApiOf(cluster, deps);
  const group = await api.describeReplicationGroup(cluster.replicationGroupId);
  const user: ElastiCacheUser | undefined = cluster.userId
    ? await api.describeUser(cluster.userId)
    : undefined;
  const refusal = startRefusal(cluster, group, user) ?? (await storedRefusal(cluster, deps, group));
  return { group, refusal };
}

/**
 * A stored password the group refuses would be kept "valid" by the rotation while the real one
 * is dropped (ModifyUser replaces the user's passwords): refuse instead. A missing one stops
 * the rotation at step 2, as for Sentinel clusters.
 */
async function storedRefusal(
  cluster: ElastiCacheCluster,
  deps: ControlDeps,
  group: ElastiCacheGroup,
): Promise<StartRefusal | null> {
  const endpoint = clientEndpoint(group);
  const stored = (await deps.parameters.get(cluster.passwordParameter))?.value;
  if (!endpoint || !stored) return null;
  if (await acceptsPassword(cluster, deps, endpoint, stored)) return null;
  return {
    isForceable: false,
    text: `${formatEndpoint(endpoint)} refuses the ${cluster.userId ? `password of user ${cluster.userId}` : 'AUTH token'} stored in ${cluster.passwordParameter}: store the one in use first`,
  };
}
