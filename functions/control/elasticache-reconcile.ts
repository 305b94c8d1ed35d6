// Probes one ElastiCache replication group and acts on the verdict with the same contract as a
// Sentinel cluster (act-on-verdict.ts): events claimed then published, parameters written, state
// committed conditionally. A new primary in any shard publishes redis-ha.master.changed for
// that shard and re-renders the parameters.
import type { ClusterState } from '../core/cluster-state';
import type { ElastiCacheCluster } from '../core/inventory';
import { primaryDigestKey } from '../core/shard-primaries';
import {
  elastiCacheParametersDigest,
  elastiCacheTemplateValues,
  groupEndpointsOf,
} from '../core/template-values';
import { actOnVerdict, ReconcileAbortedError, reconcileReport } from './act-on-verdict';
import { elastiCacheApiOf } from './elasticache-client';
import { probeElastiCache, type ElastiCacheProbeResult } from './elasticache-probe';
import type { ControlDeps, ReconcileOptions, ReconcileReport } from './reconcile';

/**
 * How far back a probe reads DescribeEvents at most: the first probe of a group, and every probe
 * while reads fail or come back truncated (the window would otherwise grow, and with it the pages
 * read and the throttling). An older failover is visible from the API's view anyway (the primary
 * it names, the ROLE answers); events only say that one is still under way.
 */
export const MAX_EVENTS_LOOKBACK_MS = 60 * 60_000;
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
  const api = elastiCacheApiOf(cluster, deps);
  if (signal?.aborted) throw new ReconcileAbortedError(cluster.name);
  const previous = await deps.state.getClusterState(cluster.name);
  const now = deps.clock.now();
  const probe = await probeElastiCache(
    cluster,
    { api, gateway: deps.gateway, parameters: deps.parameters },
    { eventsSince: eventsSince(previous, now), ...(signal ? { signal } : {}) },
  );
  if (signal?.aborted) throw new ReconcileAbortedError(cluster.name);
  if (options.isReadOnly) return reconcileReport(probe);

  const endpoints = groupEndpointsOf(probe.observation.group);
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
                (verdict.shards ?? []).map(primaryDigestKey),
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
  const oldest = now.getTime() - MAX_EVENTS_LOOKBACK_MS;
  const readUntil = previous?.eventsReadUntil ? Date.parse(previous.eventsReadUntil) : Number.NaN;
  return new Date(
    Number.isNaN(readUntil) ? oldest : Math.max(oldest, readUntil - EVENTS_OVERLAP_MS),
  );
}

/**
 * Advance the stored read time when the events were read, all of them, and the stored one is
 * old enough. A truncated read advances nothing: which part of the window its pages covered is
 * unknown, and the next read starts where the last complete one ended (at most an hour back).
 */
function isEventsReadDue(
  previous: ClusterState | undefined,
  probe: ElastiCacheProbeResult,
  now: Date,
): boolean {
  const { observation } = probe;
  if (observation.eventsFailure || observation.isEventsTruncated || !observation.group)
    return false;
  const readUntil = previous?.eventsReadUntil ? Date.parse(previous.eventsReadUntil) : Number.NaN;
  return Number.isNaN(readUntil) || now.getTime() - readUntil >= EVENTS_COMMIT_AFTER_MS;
}
