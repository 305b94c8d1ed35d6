// One probe of one ElastiCache replication group: DescribeReplicationGroups, DescribeEvents since
// the last probe, then the data plane (ROLE on each shard's primary, PING on the reader
// endpoint) with the inventory's TLS, credentials and timeouts, then the verdict. Never retries
// an API call itself (the SDK has its own retries); returns the password only in `credentials`.
import { dataConnection } from '../core/connection';
import {
  ElastiCacheAccessDeniedError,
  ElastiCacheGroupNotFoundError,
  ElastiCacheThrottledError,
  type ElastiCacheApi,
  type ElastiCacheEvent,
  type ElastiCacheGroup,
} from '../core/elasticache';
import { decideElastiCacheVerdict } from '../core/elasticache-verdict';
import type { Endpoint } from '../core/endpoint';
import { GatewayError, RedisHaError } from '../core/errors';
import type { ElastiCacheCluster } from '../core/inventory';
import type {
  ElastiCacheApiFailure,
  ElastiCacheObservation,
  Failure,
  ShardObservation,
} from '../core/observation';
import type { ConnectionOptions, ParameterStore, RedisGateway } from '../core/ports';
import type { Verdict } from '../core/verdict';
import { clusterShards, type ClusterShard } from './elasticache-shards';

export interface ElastiCacheProbeDeps {
  readonly api: ElastiCacheApi;
  readonly gateway: RedisGateway;
  readonly parameters: ParameterStore;
  /** Monotonic milliseconds, for the reported duration only. */
  readonly elapsedMs?: () => number;
}

export interface ElastiCacheProbeOptions {
  /** Read DescribeEvents from here (the previous probe's read time). */
  readonly eventsSince: Date;
  readonly signal?: AbortSignal;
  /** Use this password instead of the stored one (a rotation verifying the new token). */
  readonly passwordOverride?: { readonly value: string; readonly version: number };
}

export interface ElastiCacheProbeResult {
  readonly cluster: string;
  readonly verdict: Verdict;
  readonly observation: ElastiCacheObservation;
  readonly credentials: { readonly password?: string; readonly passwordVersion: number };
  readonly durationMs: number;
}

export async function probeElastiCache(
  cluster: ElastiCacheCluster,
  deps: ElastiCacheProbeDeps,
  options: ElastiCacheProbeOptions,
): Promise<ElastiCacheProbeResult> {
  const elapsed = deps.elapsedMs ?? (() => performance.now());
  const started = elapsed();
  const stored = options.passwordOverride ?? (await deps.parameters.get(cluster.passwordParameter));
  const password = stored?.value;
  const credentials = { ...(password ? { password } : {}), passwordVersion: stored?.version ?? 0 };
  const id = cluster.replicationGroupId;

  const [described, eventsRead] = await Promise.all([
    apiCall('DescribeReplicationGroups', () => deps.api.describeReplicationGroup(id)),
    apiCall('DescribeEvents', () => deps.api.describeEvents(id, options.eventsSince)),
  ]);
  const group = described.ok ? described.value : null;
  const base = {
    group,
    apiFailure: described.ok ? null : described.failure,
    events: eventsRead.ok ? eventsRead.value : ([] as ElastiCacheEvent[]),
    eventsFailure: eventsRead.ok ? null : eventsRead.failure,
    missingPassword: password ? null : cluster.passwordParameter,
  };
  // Nothing is dialled with an empty password, nor without the group's endpoints.
  const dataPlane =
    group && password
      ? await probeDataPlane(
          cluster,
          group,
          deps.gateway,
          dataConnection(cluster, password),
          options.signal,
        )
      : { topologyFailure: null, shards: [], reader: null };
  const observation: ElastiCacheObservation = { ...base, ...dataPlane };
  const verdict = decideElastiCacheVerdict(
    {
      replicationGroupId: id,
      isTlsExpected: cluster.tls.enabled,
      clusterMode: cluster.clusterMode,
      isAuthTokenConfigured: !cluster.userId,
    },
    observation,
  );
  return {
    cluster: cluster.name,
    verdict,
    observation,
    credentials,
    durationMs: elapsed() - started,
  };
}

type Outcome<T> = { ok: true; value: T } | { ok: false; failure: ElastiCacheApiFailure };

/** One API call; its failure becomes data the verdict reads (errors that are bugs still throw). */
async function apiCall<T>(operation: string, call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    const failure = (kind: ElastiCacheApiFailure['kind']) => ({
      ok: false as const,
      failure: { kind, operation, message: (error as Error).message },
    });
    if (error instanceof ElastiCacheAccessDeniedError) return failure('access-denied');
    if (error instanceof ElastiCacheThrottledError) return failure('throttled');
    if (error instanceof ElastiCacheGroupNotFoundError) return failure('not-found');
    if (error instanceof RedisHaError) return failure('error');
    throw error;
  }
}

type DataPlane = Pick<ElastiCacheObservation, 'topologyFailure' | 'shards' | 'reader'>;

async function probeDataPlane(
  cluster: ElastiCacheCluster,
  group: ElastiCacheGroup,
  gateway: RedisGateway,
  connection: ConnectionOptions,
  signal: AbortSignal | undefined,
): Promise<DataPlane> {
  const role = (endpoint: Endpoint, servername?: string) =>
    gateway.queryRole(endpoint, withServername(connection, servername), signal);
  if (!group.isClusterModeEnabled) {
    // Cluster mode disabled: one node group; the API names its primary (CurrentRole) and the
    // primary endpoint must lead to it. A ROLE answer proves TLS and AUTH as a PING would.
    const nodeGroup = group.nodeGroups[0];
    if (!nodeGroup) return { topologyFailure: null, shards: [], reader: null };
    const primary = nodeGroup.members.find((m) => m.currentRole === 'primary');
    const dialled = nodeGroup.primaryEndpoint ?? null;
    const reader = nodeGroup.readerEndpoint ?? null;
    const [answer, readerAnswer] = await Promise.all([
      dialled ? role(dialled) : null,
      reader ? ping(gateway, reader, connection, signal) : null,
    ]);
    return {
      topologyFailure: null,
      shards: [
        {
          nodeGroupId: nodeGroup.nodeGroupId,
          primary: primary
            ? { cacheClusterId: primary.cacheClusterId, endpoint: primary.readEndpoint ?? null }
            : null,
          dialled,
          role: answer,
        },
      ],
      reader: reader && readerAnswer ? { endpoint: reader, answer: readerAnswer } : null,
    };
  }
  // Cluster mode enabled: the API names no primary (no CurrentRole), so the cluster's own
  // topology (CLUSTER SHARDS over the configuration endpoint) says which node leads each shard.
  const configuration = group.configurationEndpoint;
  if (!configuration) return { topologyFailure: null, shards: [], reader: null };
  let topology: ClusterShard[];
  try {
    const [reply] = await gateway.run(configuration, connection, [['CLUSTER', 'SHARDS']], signal);
    topology = clusterShards(reply, cluster.tls.enabled);
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return {
      topologyFailure: { endpoint: configuration, failure: failureOf(error, configuration) },
      shards: group.nodeGroups.map((g) => ({
        nodeGroupId: g.nodeGroupId,
        primary: null,
        dialled: null,
        role: null,
      })),
      reader: null,
    };
  }
  const shards = await Promise.all(
    group.nodeGroups.map(async (nodeGroup): Promise<ShardObservation> => {
      const first = firstSlot(nodeGroup.slots);
      const shard =
        topology.find((s) => s.firstSlot === first) ??
        (group.nodeGroups.length === 1 ? topology[0] : undefined);
      const master = shard?.master;
      if (!master)
        return { nodeGroupId: nodeGroup.nodeGroupId, primary: null, dialled: null, role: null };
      const member = nodeGroup.members.find(
        (m) => m.cacheClusterId === master.hostname?.split('.')[0],
      );
      return {
        nodeGroupId: nodeGroup.nodeGroupId,
        primary: { cacheClusterId: member?.cacheClusterId ?? null, endpoint: master.endpoint },
        dialled: master.endpoint,
        role: await role(master.endpoint, master.hostname),
      };
    }),
  );
  return { topologyFailure: null, shards, reader: null };
}

async function ping(
  gateway: RedisGateway,
  endpoint: Endpoint,
  connection: ConnectionOptions,
  signal: AbortSignal | undefined,
): Promise<{ ok: true } | Failure> {
  try {
    await gateway.run(endpoint, connection, [['PING']], signal);
    return { ok: true };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return failureOf(error, endpoint);
  }
}

/** A failed `run` as an answer; the reason names the endpoint itself, so the detail does not. */
function failureOf(error: GatewayError, endpoint: Endpoint): Failure {
  const prefix = `${endpoint.host}:${endpoint.port}: `;
  const detail = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
  return { ok: false, failure: error.failure, detail };
}

/** The node's DNS name for certificate checks, unless the inventory names one. */
function withServername(connection: ConnectionOptions, servername?: string): ConnectionOptions {
  if (!connection.tls || connection.tls.servername || !servername) return connection;
  return { ...connection, tls: { ...connection.tls, servername } };
}

/** `0-5461` or `0-100,200-300` -> 0; undefined without slots. */
function firstSlot(slots: string | undefined): number | undefined {
  const first = slots ? Number(slots.split(/[-,]/)[0]) : Number.NaN;
  return Number.isInteger(first) ? first : undefined;
}
