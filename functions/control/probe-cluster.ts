// One probe of one sentinel cluster: every configured sentinel in parallel, then the master
// most of them name, then the verdict. Reads passwords from the parameter store; returns
// them to the caller only inside `credentials`, never in the report.
import { mapAddress, sentinelEndpoints } from '../core/cluster-addresses';
import type { SentinelCluster } from '../core/inventory';
import { formatEndpoint, sameEndpoint, type Endpoint } from '../core/endpoint';
import type { MissingPassword, Observation } from '../core/observation';
import { dataConnection, sentinelConnection } from '../core/connection';
import type { ParameterStore, RedisGateway } from '../core/ports';
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

export interface ProbeOptions {
  /**
   * The last confirmed master (as announced), from the state store: asked `ROLE` even when
   * the sentinels no longer list it, so that an old master still taking writes shows.
   */
  readonly previousMaster?: Endpoint | null;
  /**
   * Ends the probe at once: every connection still open is closed, and the sentinels and nodes
   * it was waiting for count as not answering ('aborted'). The probe still resolves.
   */
  readonly signal?: AbortSignal;
}

export async function probeCluster(
  cluster: SentinelCluster,
  deps: ProbeDeps,
  /** Use these instead of the stored passwords (a rotation verifying the new one). */
  credentialsOverride?: ClusterCredentials,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const elapsed = deps.elapsedMs ?? (() => performance.now());
  const started = elapsed();
  const credentials = credentialsOverride ?? (await loadCredentials(cluster, deps.parameters));
  const missingPasswords = missingPasswordsOf(cluster, credentials);
  const isSentinelPasswordMissing = missingPasswords.some((m) => m.usedBy === 'sentinels');
  const sentinelOptions = sentinelConnection(cluster, credentials.sentinelPassword);
  // Nothing is dialled with an empty password where a password is configured.
  const sentinels = isSentinelPasswordMissing
    ? []
    : await Promise.all(
        sentinelEndpoints(cluster).map(async (endpoint) => ({
          endpoint,
          answer: await deps.gateway.querySentinel(
            endpoint,
            sentinelOptions,
            cluster.masterName,
            options.signal,
          ),
        })),
      );
  const candidate = chooseCandidate({ sentinels });
  const masterDial = candidate ? mapAddress(cluster, candidate) : null;
  const isDataPasswordMissing = missingPasswords.some((m) => m.usedBy === 'data-nodes');
  const dataOptions = dataConnection(cluster, credentials.dataPassword);
  const askRole = (endpoint: Endpoint) =>
    deps.gateway.queryRole(mapAddress(cluster, endpoint), dataOptions, options.signal);
  const master = candidate && !isDataPasswordMissing ? await askRole(candidate) : null;
  // A replica the master lists in its own ROLE reply is replicating from it right now, so it is
  // no second master: only the other known nodes are asked (none, when all is well).
  const attached = master?.ok && master.role === 'master' ? master.replicas : [];
  const others = isDataPasswordMissing
    ? []
    : knownDataNodes(sentinels, candidate, options.previousMaster ?? null).filter(
        (node) => !attached.some((replica) => sameEndpoint(replica.endpoint, node)),
      );
  const otherAnswers = await Promise.all(others.map(askRole));
  const observation: Observation = {
    sentinels,
    candidate,
    master: master ?? null,
    nodes: others.map((endpoint, i) => ({
      endpoint,
      answer: otherAnswers[i] as NonNullable<(typeof otherAnswers)[number]>,
    })),
    missingPasswords,
  };
  const verdict = decideVerdict(
    {
      sentinelsConfigured: cluster.sentinels.length,
      maxReplicationLagBytes: cluster.thresholds.maxReplicationLagBytes,
      masterName: cluster.masterName,
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

function missingPasswordsOf(
  cluster: SentinelCluster,
  credentials: ClusterCredentials,
): MissingPassword[] {
  const missing: MissingPassword[] = [];
  if (!credentials.dataPassword)
    missing.push({ parameter: cluster.passwordParameter, usedBy: 'data-nodes' });
  if (cluster.sentinelPasswordParameter && !credentials.sentinelPassword)
    missing.push({ parameter: cluster.sentinelPasswordParameter, usedBy: 'sentinels' });
  return missing;
}

/**
 * Every data node other than the candidate that could be taking writes: the replicas any
 * sentinel lists, masters a minority names, the record a failover is leaving, and the
 * previous confirmed master. Announced addresses, deduplicated.
 */
function knownDataNodes(
  sentinels: Observation['sentinels'],
  candidate: Endpoint | null,
  previousMaster: Endpoint | null,
): Endpoint[] {
  const found = new Map<string, Endpoint>();
  const add = (endpoint: Endpoint | null | undefined) => {
    if (endpoint && endpoint.port > 0 && !sameEndpoint(endpoint, candidate))
      found.set(formatEndpoint(endpoint), endpoint);
  };
  for (const { answer } of sentinels) {
    if (!answer.ok) continue;
    add(answer.masterAddress);
    add(answer.recordAddress);
    for (const replica of answer.replicas) add(replica.endpoint);
  }
  add(previousMaster);
  return [...found.values()];
}
