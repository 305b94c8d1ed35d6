// The probe Lambda's handler end to end, offline: its real middy stack (Powertools Logger and
// Metrics), a real Sentinel topology, DynamoDB = dynalite, SSM and SNS = loopback fakes of their
// wire protocols. A scheduled tick with a short deadline acts on a real SENTINEL FAILOVER while
// it watches; two overlapping ticks act on it once; an on-demand probe answers its report.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbStateStore } from '../../functions/adapters/aws/dynamodb-state-store';
import { SsmParameterStore } from '../../functions/adapters/aws/ssm-parameter-store';
import { EventType } from '../../functions/core/events';
import { probeFunction } from '../../functions/handlers/probe/index';
import { ProbeMetric } from '../../functions/handlers/probe/probe-metrics';
import type {
  ProbeRequestResponse,
  ProbeTickSummary,
} from '../../functions/handlers/probe/probe-handler';
import { within } from '../support/deadline';
import { Dynalite } from '../support/dynalite';
import { FAKE_AWS } from '../support/aws-fakes/loopback';
import { SnsFake } from '../support/aws-fakes/sns-fake';
import { SsmFake } from '../support/aws-fakes/ssm-fake';
import {
  eventually,
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  PLATFORM_PARAMETERS,
  type Topology,
} from '../support/topology';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:redis-ha-events';
const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/probe-test';
/** Short Lambda deadlines: the watch ends WATCH_STOP_MARGIN_MS (5 s) before them. */
const TICK_DEADLINE_MS = 20_000;
/** SDK settings of the handler: the fakes' endpoints come from AWS_ENDPOINT_URL_<SERVICE>. */
const CLIENT = { ...FAKE_AWS, maxAttempts: 3, retryDelayMs: 2 };

const harness = new Harness();
let dynalite: Dynalite;
let ssm: SsmFake;
let sns: SnsFake;
let savedEnv: NodeJS.ProcessEnv;
const stdout: string[] = [];

beforeAll(async () => {
  [dynalite, ssm, sns] = await Promise.all([Dynalite.start(), SsmFake.start(), SnsFake.start()]);
  savedEnv = { ...process.env };
  // Per-service endpoints, as the SDK reads them (one client option cannot name three).
  process.env.AWS_ENDPOINT_URL_SSM = ssm.endpoint;
  process.env.AWS_ENDPOINT_URL_SNS = sns.endpoint;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynalite.endpoint;
  process.env.POWERTOOLS_SERVICE_NAME = 'redis-ha';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'redis-ha';
  // Powertools writes logs and EMF to process.stdout; keep them for the assertions.
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterEach(() => harness.cleanup());
afterAll(async () => {
  vi.restoreAllMocks();
  process.env = savedEnv;
  await Promise.all([dynalite?.stop(), ssm?.stop(), sns?.stop()]);
});

/** A Lambda context whose deadline is `timeoutMs` from now. */
function lambdaContext(requestId: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    awsRequestId: requestId,
    functionName: 'redis-ha-probe',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:redis-ha-probe',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/redis-ha-probe',
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A fresh table, the password seeded as a SecureString in the SSM fake, and a handler. */
async function deployment(topology: Topology, name: string) {
  const inventory = inventoryFor(topology, {}, name);
  const table = await dynalite.createStateTable();
  await new SsmParameterStore({ kmsKeyId: KMS_KEY, client: CLIENT }).put(
    PASSWORD_PARAMETER,
    PASSWORD,
    { isSecure: true },
  );
  const env = {
    STATE_TABLE_NAME: table,
    EVENT_TOPIC_ARN: TOPIC_ARN,
    KMS_KEY_ID: KMS_KEY,
    REDIS_HA_INVENTORY: JSON.stringify(inventory),
  };
  const state = new DynamoDbStateStore({ tableName: table, client: CLIENT });
  return { inventory, state, handler: () => probeFunction({ env, client: CLIENT }) };
}

const tick = (executionId: string) => ({
  kind: 'tick',
  scheduledTime: new Date().toISOString(),
  executionId,
});

/** Parsed JSON lines written to stdout since `from` (logs and EMF). */
function linesSince(from: number): Record<string, unknown>[] {
  return stdout
    .slice(from)
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Sentinel clients subscribed to every channel (PSUBSCRIBE *): the watches listening now. */
async function watchesListening(topology: Topology): Promise<number> {
  const counts = await Promise.all(
    topology.sentinels.map(async (sentinel) => {
      const list = String(await topology.call(sentinel.port, 'sentinel', 'CLIENT', 'LIST'));
      return list.split('\n').filter((line) => /\bpsub=[1-9]/.test(line)).length;
    }),
  );
  return Math.min(...counts);
}

/** Asks a sentinel to fail over until it accepts (it refuses while replicas are settling). */
async function sentinelFailover(topology: Topology): Promise<void> {
  const sentinel = topology.sentinels[0];
  if (!sentinel) throw new Error('no sentinel');
  await topology.waitFor(
    async () =>
      (await topology
        .call(sentinel.port, 'sentinel', 'SENTINEL', 'FAILOVER', topology.masterName)
        .catch((e: Error) => e.message)) === 'OK',
    'SENTINEL FAILOVER to be accepted',
    10_000,
  );
}

/** TCP connections this process holds open to `ports` (Linux: /proc/self/fd and /proc/net/tcp). */
function connectionsTo(ports: readonly number[]): number {
  const inodes = new Set(
    readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((inode): inode is string => !!inode),
  );
  const rows = ['/proc/self/net/tcp', '/proc/self/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8').trim().split('\n').slice(1),
  );
  return rows.filter((row) => {
    const fields = row.trim().split(/\s+/);
    const remotePort = parseInt(fields[2]?.split(':')[1] ?? '', 16);
    // State 0A is LISTEN; anything else connected or closing still holds the socket.
    return fields[3] !== '0A' && ports.includes(remotePort) && inodes.has(fields[9] ?? '');
  }).length;
}

const redisPorts = (topology: Topology) =>
  [...topology.nodes, ...topology.sentinels].map((p) => p.port);

function masterChangedFor(cluster: string) {
  return sns.published.filter(
    (p) =>
      p.attributes.type?.stringValue === EventType.masterChanged &&
      p.attributes.cluster?.stringValue === cluster,
  );
}

/** Values written to `name` by the requests from index `from` on. */
function writesOf(name: string, from: number) {
  return ssm.requests
    .slice(from)
    .filter((r) => r.operation === 'PutParameter')
    .filter((r) => r.status === 200 && r.input.Name === name)
    .map((r) => r.input.Value);
}

describe('probe handler', () => {
  it('acts on a SENTINEL FAILOVER within its watch window, publishes once, writes the parameters and returns before its deadline', async () => {
    const topology = await harness.topology();
    const { inventory, state, handler } = await deployment(topology, 'watched');
    const from = stdout.length;
    const ssmFrom = ssm.requests.length;
    const context = lambdaContext('run-watched', TICK_DEADLINE_MS);
    const oldMaster = `127.0.0.1:${topology.nodes[0]?.port}`;

    const invocation = handler()(tick('exec-1'), context);
    await eventually(async () => (await watchesListening(topology)) >= 1, 'the watch to subscribe');
    expect((await state.getClusterState('watched'))?.master).toMatchObject({
      port: topology.nodes[0]?.port,
    });
    await sentinelFailover(topology);
    const summary = (await within(invocation, TICK_DEADLINE_MS, 'the handler')) as ProbeTickSummary;
    const remainingAtReturn = context.getRemainingTimeInMillis();

    const newPort = await topology.currentMasterPort();
    const newMaster = `127.0.0.1:${newPort}`;
    const changes = masterChangedFor('watched');
    expect(changes).toHaveLength(1);
    expect(changes[0]?.topicArn).toBe(TOPIC_ARN);
    expect(changes[0]?.attributes).toEqual({
      type: { dataType: 'String', stringValue: EventType.masterChanged },
      cluster: { dataType: 'String', stringValue: 'watched' },
      severity: { dataType: 'String', stringValue: 'warning' },
    });
    expect(JSON.parse(changes[0]?.message ?? '{}')).toMatchObject({
      source: 'urn:redis-ha:aws',
      subject: 'watched',
      data: { previous: oldMaster, current: newMaster },
    });
    for (const name of ['/test/app/addr', '/test/app/url'])
      expect(ssm.versions(name).at(-1)?.value, name).toContain(newMaster);
    expect(writesOf('/test/app/addr', ssmFrom)).toEqual([oldMaster, newMaster]);
    expect(ssm.versions('/test/app/url').at(-1)).toMatchObject({
      type: 'SecureString',
      keyId: KMS_KEY,
    });
    expect((await state.getClusterState('watched'))?.master?.port).toBe(newPort);

    expect(remainingAtReturn).toBeGreaterThan(0);
    expect(summary).toMatchObject({
      kind: 'tick',
      runId: 'run-watched',
      clusters: [{ cluster: 'watched', outcome: 'reconciled', status: 'ok' }],
      watch: { eventsPublished: expect.arrayContaining([EventType.masterChanged]) },
    });
    expect(summary.watch.sentinelEvents).toBeGreaterThan(0);
    // Every connection to the sentinels and nodes (probes, subscriptions) was closed.
    expect(connectionsTo(redisPorts(topology))).toBe(0);

    const lines = linesSince(from);
    const logs = lines.filter((l) => typeof l.level === 'string');
    expect(logs.length).toBeGreaterThan(3);
    for (const log of logs) {
      expect(log, JSON.stringify(log)).toMatchObject({
        correlation_id: 'run-watched',
        function_request_id: 'run-watched',
        service: 'redis-ha',
      });
      expect('cluster' in log || 'clusters' in log, JSON.stringify(log)).toBe(true);
    }
    expect(logs.map((l) => l.message)).toEqual(
      expect.arrayContaining([
        'probe run started',
        'cluster probed',
        'sentinel event',
        'probe run done',
        'failover acted on',
      ]),
    );
    const emf = lines.filter((l) => '_aws' in l);
    expect(emf).toHaveLength(1);
    const directives = (
      emf[0]?._aws as {
        CloudWatchMetrics: {
          Namespace: string;
          Dimensions: string[][];
          Metrics: { Name: string }[];
        }[];
      }
    ).CloudWatchMetrics[0];
    expect(directives?.Namespace).toBe('redis-ha');
    expect(directives?.Dimensions).toEqual([['service']]);
    // CriticalVerdicts and SplitBrain may be there too: probes during the switch see the old
    // master still answering as master (FAILOVER_IN_PROGRESS, SPLIT_BRAIN).
    const names = directives?.Metrics.map((m) => m.Name) ?? [];
    expect(names).toEqual(
      expect.arrayContaining(['Failovers', 'ProbeDuration', 'ProbeRuns', 'ReactionTime']),
    );
    expect(Object.values(ProbeMetric)).toEqual(expect.arrayContaining(names));
    expect(emf[0]).toMatchObject({ service: 'redis-ha', ProbeRuns: 1, Failovers: 1 });

    const output = JSON.stringify(summary) + stdout.slice(from).join('') + JSON.stringify(changes);
    expect(output).not.toContain(PASSWORD);
    expect(inventory.clusters[0]?.name).toBe('watched');
  });

  it('acts once on a failover that two overlapping runs both watch', async () => {
    const topology = await harness.topology();
    const { state, handler } = await deployment(topology, 'overlap');
    const from = stdout.length;
    const first = handler()(tick('exec-a'), lambdaContext('run-a', TICK_DEADLINE_MS));
    await eventually(async () => (await watchesListening(topology)) >= 1, 'the first watch');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const second = handler()(tick('exec-b'), lambdaContext('run-b', TICK_DEADLINE_MS));
    await eventually(async () => (await watchesListening(topology)) >= 2, 'the second watch');

    await sentinelFailover(topology);
    const summaries = (await within(
      Promise.all([first, second]),
      TICK_DEADLINE_MS + 2000,
      'both runs',
    )) as ProbeTickSummary[];

    const newPort = await topology.currentMasterPort();
    expect(masterChangedFor('overlap')).toHaveLength(1);
    const actedOn = summaries.filter((s) =>
      [...s.watch.eventsPublished, ...s.clusters.flatMap((c) => c.events ?? [])].includes(
        EventType.masterChanged,
      ),
    );
    expect(actedOn).toHaveLength(1);
    // One commit of the new master: exactly one run logged the transition as its own.
    const transitions = linesSince(from).filter(
      (l) =>
        l.message === 'transition' &&
        (l.events as string[] | undefined)?.includes(EventType.masterChanged),
    );
    expect(transitions).toHaveLength(1);
    expect((await state.getClusterState('overlap'))?.master?.port).toBe(newPort);
    expect(ssm.versions('/test/app/addr').at(-1)?.value).toBe(`127.0.0.1:${newPort}`);
    expect(connectionsTo(redisPorts(topology))).toBe(0);
  });

  it('probes the clusters an on-demand event names and answers their reports, without a secret; an unknown name is an error naming it', async () => {
    const topology = await harness.topology();
    const { handler } = await deployment(topology, 'ondemand');
    const probe = handler();

    await expect(
      probe({ clusters: ['ondemand', 'nope'] }, lambdaContext('run-unknown', 10_000)),
    ).rejects.toThrow(/unknown cluster "nope": the inventory has "ondemand"/);
    await expect(probe({ clusters: [7] }, lambdaContext('run-bad', 10_000))).rejects.toThrow(
      /probe event: clusters\[0\]/,
    );
    const response = (await probe(
      { clusters: ['ondemand'] },
      lambdaContext('run-ondemand', 10_000),
    )) as ProbeRequestResponse;

    expect(response).toMatchObject({
      kind: 'request',
      runId: 'run-ondemand',
      results: [
        {
          cluster: 'ondemand',
          outcome: 'reconciled',
          verdict: { status: 'ok', isConfirmed: true },
          parametersWritten: expect.arrayContaining(Object.keys(PLATFORM_PARAMETERS)),
          isConflict: false,
        },
      ],
    });
    expect(JSON.stringify(response)).not.toContain(PASSWORD);
    expect(connectionsTo(redisPorts(topology))).toBe(0);
  });
});
