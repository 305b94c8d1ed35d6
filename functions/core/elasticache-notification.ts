// What an ElastiCache event notification (delivered by SNS) asks of the control plane: which
// inventory clusters it is about, and whether one of its events can have changed a group's
// primary, nodes, endpoints or health. ElastiCache names only a node (or the group) and an event,
// never the new primary, so the caller re-describes the group before acting on anything.
// Events: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ElastiCacheSNS.html
// Pure: no I/O, no clock.
import { isElastiCache } from './cluster-kind';
import { namesGroup } from './elasticache-node-ids';
import type { Cluster, ElastiCacheCluster } from './inventory';

/** One `"ElastiCache:<Event>": "<id>"` entry of a notification message. */
export interface ElastiCacheNotificationEvent {
  /** The event without its `ElastiCache:` prefix, e.g. `FailoverComplete`. */
  readonly name: string;
  /** The node (`sessions-002`, `sessions-0001-002`) or group the event names; may be empty. */
  readonly sourceId: string;
}

/** An ElastiCache notification, as read from an SNS record. */
export interface ElastiCacheNotification {
  readonly events: readonly ElastiCacheNotificationEvent[];
  /** Further ids some messages carry (`Replication Group ID`, `Cache Cluster ID`). */
  readonly otherIds: readonly string[];
  /**
   * Region of the topic it came through: ElastiCache publishes only to a topic in the group's
   * own Region, so a group of the same id in another Region is not meant.
   */
  readonly region?: string;
}

/** What an event calls for. */
export const NotificationAction = {
  /** Re-describe the group and reconcile it now. */
  reconcile: 'reconcile',
  /** Nothing the probe could see yet (a schedule, a snapshot, an available update): log only. */
  informational: 'informational',
} as const;
export type NotificationAction = (typeof NotificationAction)[keyof typeof NotificationAction];

/** Documented events that announce, rather than change, something. */
const INFORMATIONAL_EVENTS: ReadonlySet<string> = new Set([
  'NodeReplacementScheduled',
  'NodeReplacementRescheduled',
  'NodeReplacementCanceled',
  'ServiceUpdateAvailable',
  'ServiceUpdateAvailableForNode',
  'SnapshotComplete',
  'SnapshotFailed',
]);

/** Documented events after which the group's primary, nodes, endpoints or health may differ. */
const RECONCILE_EVENTS: ReadonlySet<string> = new Set([
  'FailoverComplete',
  'CacheNodeReplaceStarted',
  'CacheNodeReplaceComplete',
  'CacheNodesRebooted',
  'AddCacheNodeComplete',
  'AddCacheNodeFailed',
  'RemoveCacheNodeComplete',
  'CacheClusterParametersChanged',
  'CacheClusterProvisioningComplete',
  'CacheClusterProvisioningFailed',
  'CacheClusterScalingComplete',
  'CacheClusterScalingFailed',
  'CacheClusterSecurityGroupModified',
  'CertificateRenewalComplete',
  'CreateReplicationGroupComplete',
  'DeleteCacheClusterComplete',
  'ReplicationGroupIncreaseReplicaCountStarted',
  'ReplicationGroupIncreaseReplicaCountFinished',
  'ReplicationGroupDecreaseReplicaCountStarted',
  'ReplicationGroupDecreaseReplicaCountFinished',
  'ReplicationGroupScalingComplete',
  'ReplicationGroupScalingFailed',
]);

/** Whether ElastiCache documents the event (an unknown one is acted on, and logged as such). */
export function isKnownEvent(name: string): boolean {
  return RECONCILE_EVENTS.has(name) || INFORMATIONAL_EVENTS.has(name);
}

/**
 * What an event calls for. An event ElastiCache added after this list was written is reconciled:
 * a re-describe costs one API call, a missed failover costs the platforms a minute.
 */
export function actionFor(name: string): NotificationAction {
  return INFORMATIONAL_EVENTS.has(name)
    ? NotificationAction.informational
    : NotificationAction.reconcile;
}

/** What to do with one notification. */
export type NotificationPlan =
  | {
      readonly kind: 'reconcile';
      readonly clusters: readonly ElastiCacheCluster[];
      /** Events not in ElastiCache's documented list (acted on all the same). */
      readonly unknownEvents: readonly string[];
    }
  | {
      readonly kind: 'ignore';
      /** `informational`: only announcements; `no-cluster`: no inventory group has that node. */
      readonly reason: 'informational' | 'no-cluster' | 'no-event';
      readonly clusters: readonly ElastiCacheCluster[];
    };

/** The inventory's ElastiCache clusters a notification names, in inventory order. */
export function clustersNamedBy(
  notification: ElastiCacheNotification,
  clusters: readonly Cluster[],
): ElastiCacheCluster[] {
  const ids = [...notification.events.map((e) => e.sourceId), ...notification.otherIds].filter(
    (id) => id !== '',
  );
  return clusters
    .filter(isElastiCache)
    .filter((cluster) => !notification.region || cluster.region === notification.region)
    .filter((cluster) => ids.some((id) => namesGroup(id, cluster.replicationGroupId)));
}

/** Reconcile the named clusters now, unless every event is an announcement or none is ours. */
export function planNotification(
  notification: ElastiCacheNotification,
  clusters: readonly Cluster[],
): NotificationPlan {
  const named = clustersNamedBy(notification, clusters);
  if (notification.events.length === 0) return { kind: 'ignore', reason: 'no-event', clusters: [] };
  if (named.length === 0) return { kind: 'ignore', reason: 'no-cluster', clusters: [] };
  if (notification.events.every((e) => actionFor(e.name) === NotificationAction.informational))
    return { kind: 'ignore', reason: 'informational', clusters: named };
  return {
    kind: 'reconcile',
    clusters: named,
    unknownEvents: notification.events.map((e) => e.name).filter((name) => !isKnownEvent(name)),
  };
}
