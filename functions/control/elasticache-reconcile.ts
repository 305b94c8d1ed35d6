// Probes one ElastiCache replication group and acts on the verdict with the same contract as a
// Sentinel cluster (act-on-verdict.ts): events claimed then published, parameters written, state
// committed conditionally. A new primary in any shard publishes redis-ha.master.changed for
// that shard and re-renders the parameters.
import type { ClusterState } from '../core/cluster-state';
import { formatEndpoint } from '../core/endpoint';
import { RedisHaError } from '../core/errors';
import type { ElastiCacheCluster } from '../core/inventory';
import {
  elastiCacheParametersDigest,
  elastiCacheTemplateValues,
  type GroupEndpoints,
} from '../core/template-values';
import { actOnVerdict, ReconcileAbortedError, reconcileReport } from './act-on-verdict';
import { probeElastiCache, type ElastiCacheProbeResult } from './elasticache-probe';
import type { ControlDeps, ReconcileOptions, ReconcileReport } from './reconcile';

/** How far back the first probe of a group reads DescribeEvents. */
export const FIRST_EVENTS_LOOKBACK_MS = 60 * 60_000;
/**
 * Each read starts this long before the previous one's time: an event AWS records a little
 * after its own timestamp is read once more rather than never. Re-reading is harmless.
 */
export const EVENTS_OVERLAP_MS = 60_000;
/**
 * The read time is committed when it is this old, not at every probe: a probe that changes
 * nothing else writes state at most once a minute, and each read spans at most about two
 * minutes of events (DescribeEvents of the Region's cache clusters is not free: see
 * AwsElastiCacheApi.describeEvents).
 */
export const EVENTS_COMMIT_AFTER_MS = 60_000;

export async function reconcileElastiCache(
  cluster: ElastiCacheCluster,
  deps: ControlDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const { signal } = options;
  if (!deps.elasticache) {
    throw new RedisHaError(
      'NOT_CONFIGURED',
      `${cluster.name}: no ElastiCache API client is configured in this deployment`,
    );
  }
  if (signal?.aborted) throw new ReconcileAbortedError(cluster.name);
  const previous = await deps.state.getClusterState(cluster.name);
  const now = deps.clock.now();
  const probe = await probeElastiCache(
    cluster,
    { api: deps.elasticache(cluster.region), gateway: deps.gateway, parameters: deps.parameters },
    { eventsSince: eventsSince(previous, now), ...(signal ? { signal } : {}) },
  );
  if (signal?.aborted) throw new ReconcileAbortedError(cluster.name);
  if (options.isReadOnly) return reconcileReport(probe);

  const endpoints = groupEndpoints(probe);
  const { credentials, verdict } = probe;
  const actions = await actOnVerdict(
    {
      cluster,
      masterName: cluster.replicationGroupId,
      previous,
      verdict,
      parameters:
        verdict.isConfirmed && endpoints
          ? {
              digest: elastiCacheParametersDigest(
                cluster,
                endpoints,
                credentials.passwordVersion,
                (verdict.shards ?? []).map(
                  (s) =>
                    `${s.nodeGroupId}=${s.cacheClusterId ?? (s.endpoint ? formatEndpoint(s.endpoint) : '')}`,
                ),
              ),
              values: () => elastiCacheTemplateValues(cluster, endpoints, credentials.password),
            }
          : null,
      transition: {
        groupEndpoint: endpoints?.primary ?? null,
        ...(isEventsReadDue(previous, probe, now) ? { eventsReadUntil: now.toISOString() } : {}),
      },
    },
    deps,
    options,
  );
  return reconcileReport(probe, actions);
}

function eventsSince(previous: ClusterState | undefined, now: Date): Date {
  const readUntil = previous?.eventsReadUntil ? Date.parse(previous.eventsReadUntil) : Number.NaN;
  return Number.isNaN(readUntil)
    ? new Date(now.getTime() - FIRST_EVENTS_LOOKBACK_MS)
    : new Date(readUntil - EVENTS_OVERLAP_MS);
}

/** Advance the stored read time when the events were read and the stored one is old enough. */
function isEventsReadDue(
  previous: ClusterState | undefined,
  probe: ElastiCacheProbeResult,
  now: Date,
): boolean {
  if (probe.observation.eventsFailure || !probe.observation.group) return false;
  const readUntil = previous?.eventsReadUntil ? Date.parse(previous.eventsReadUntil) : Number.NaN;
  return Number.isNaN(readUntil) || now.getTime() - readUntil >= EVENTS_COMMIT_AFTER_MS;
}

/** The primary (or configuration) and reader endpoints clients are given. */
function groupEndpoints(probe: ElastiCacheProbeResult): GroupEndpoints | null {
  const group = probe.observation.group;
  if (!group) return null;
  if (group.isClusterModeEnabled)
    return group.configurationEndpoint
      ? { primary: group.configurationEndpoint, reader: null }
      : null;
  const nodeGroup = group.nodeGroups[0];
  if (!nodeGroup?.primaryEndpoint) return null;
  return { primary: nodeGroup.primaryEndpoint, reader: nodeGroup.readerEndpoint ?? null };
}
