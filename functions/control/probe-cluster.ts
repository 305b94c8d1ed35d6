// One probe of one sentinel cluster: every configured sentinel in parallel, then the master
// most of them name, then the verdict. Reads passwords from the parameter store; returns
// them to the caller only inside `credentials`, never in the report.
import { readFileSync } from 'node:fs';
import { mapAddress, sentinelEndpoints, type SentinelCluster } from '../core/inventory';
import type { Endpoint } from '../core/endpoint';
import type { Observation } from '../core/observation';
import type { ConnectionOptions, ParameterStore, RedisGateway } from '../core/ports';
import { chooseCandidate, decideVerdict, type Verdict } from '../core/verdict';

export interface ClusterCredentials {
  readonly dataPassword?: string;
  readonly dataPasswordVersion: number;
  /** Version of the sentinels' password (0 when none): a change means resubscribing. */
  readonly sentinelPasswordVersion?: number;
  readonly sentinelPassword?: string;
}

export interface ProbeResult {
  readonly cluster: string;
  readonly verdict: Verdict;
  readonly observation: Observation;
  /** The master to dial (after the address map), when one was named. */
  readonly masterDial: Endpoint | null;
  readonly credentials: ClusterCredentials;
  readonly durationMs: number;
}

export interface ProbeDeps {
  readonly gateway: RedisGateway;
  readonly parameters: ParameterStore;
  /** Monotonic milliseconds, for the reported duration only. */
  readonly elapsedMs?: () => number;
}

export async function loadCredentials(
  cluster: SentinelCluster,
  parameters: ParameterStore,
): Promise<ClusterCredentials> {
  const names = [cluster.passwordParameter, cluster.sentinelPasswordParameter].filter(
    (n): n is string => !!n,
  );
  const found = await parameters.getMany(names);
  const data = found.get(cluster.passwordParameter);
  const sentinel = cluster.sentinelPasswordParameter
    ? found.get(cluster.sentinelPasswordParameter)
    : undefined;
  return {
    ...(data ? { dataPassword: data.value } : {}),
    dataPasswordVersion: data?.version ?? 0,
    sentinelPasswordVersion: sentinel?.version ?? 0,
    ...(sentinel ? { sentinelPassword: sentinel.value } : {}),
  };
}

const caCache = new Map<string, string>();

function tlsOptions(cluster: SentinelCluster): ConnectionOptions['tls'] {
  const tls = cluster.tls;
  if (!tls?.enabled) return undefined;
  let ca: string | undefined;
  if (tls.caFile) {
    ca = caCache.get(tls.caFile) ?? readFileSync(tls.caFile, 'utf8');
    caCache.set(tls.caFile, ca);
  }
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(ca ? { ca } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
}

/** How to reach the data nodes: the cluster's ACL user and command renames. */
export function dataConnection(
  cluster: SentinelCluster,
  password: string | undefined,
): ConnectionOptions {
  return {
    ...connection(cluster, cluster.username, password),
    commandRenames: cluster.commandRenames,
  };
}

/** How to reach the sentinels: their own user and password, no renames. */
export function sentinelConnection(
  cluster: SentinelCluster,
  password: string | undefined,
): ConnectionOptions {
  return connection(cluster, cluster.sentinelUsername, password);
}

function connection(
  cluster: SentinelCluster,
  username: string | undefined,
  password: string | undefined,
): ConnectionOptions {
  const tls = tlsOptions(cluster);
  return {
    connectTimeoutMs: cluster.timeouts.connectMs,
    commandTimeoutMs: cluster.timeouts.commandMs,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(tls ? { tls } : {}),
  };
}

export async function probeCluster(
  cluster: SentinelCluster,
  deps: ProbeDeps,
  /** Use these instead of the stored passwords (a rotation verifying the new one). */
  credentialsOverride?: ClusterCredentials,
): Promise<ProbeResult> {
  const elapsed = deps.elapsedMs ?? (() => performance.now());
  const started = elapsed();
  const credentials = credentialsOverride ?? (await loadCredentials(cluster, deps.parameters));
  const sentinelOptions = sentinelConnection(cluster, credentials.sentinelPassword);
  const sentinels = await Promise.all(
    sentinelEndpoints(cluster).map(async (endpoint) => ({
      endpoint,
      answer: await deps.gateway.querySentinel(endpoint, sentinelOptions, cluster.masterName),
    })),
  );
  const candidate = chooseCandidate({ sentinels });
  const masterDial = candidate ? mapAddress(cluster, candidate) : null;
  const master = masterDial
    ? await deps.gateway.queryRole(masterDial, dataConnection(cluster, credentials.dataPassword))
    : null;
  const observation: Observation = { sentinels, candidate, master };
  const verdict = decideVerdict(
    {
      sentinelsConfigured: cluster.sentinels.length,
      maxReplicationLagBytes: cluster.thresholds.maxReplicationLagBytes,
    },
    observation,
    candidate,
  );
  return {
    cluster: cluster.name,
    verdict,
    observation,
    masterDial,
    credentials,
    durationMs: elapsed() - started,
  };
}
