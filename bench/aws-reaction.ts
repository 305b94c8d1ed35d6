// Reaction time of the offline AWS deployment: from the first `+switch-master` a sentinel
// announces (we subscribe to the sentinels ourselves) to the moment the SNS fake has received
// master.changed AND the SSM fake every platform parameter write naming the new master, over
// repeated real failovers (SENTINEL FAILOVER) acted on by the probe Lambda handler (its real
// middy stack; DynamoDB = dynalite, SSM and SNS = loopback fakes), invoked like the schedule
// does: a tick every 60 s, each with a 70 s deadline, so runs overlap as in the deployment.
// Baseline, on the same failovers in the same run: the local backend's watch (SQLite, no
// network), as `redis-ha watch` runs it.
import type { Context } from 'aws-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import Redis from 'ioredis';
import { SsmParameterStore } from '../functions/adapters/aws/ssm-parameter-store';
import { Watcher } from '../functions/control/watcher';
import { EventType } from '../functions/core/events';
import { probeFunction } from '../functions/handlers/probe/index';
import { FAKE_AWS } from '../test/support/aws-fakes/loopback';
import { SnsFake } from '../test/support/aws-fakes/sns-fake';
import { SsmFake } from '../test/support/aws-fakes/ssm-fake';
import { Dynalite } from '../test/support/dynalite';
import { BENCH_PASSWORD, benchFixture, PASSWORD_PARAMETER, settleBeforeFailover } from './fixture';
import { percentile, summary } from './stats';

const FAILOVERS = Number(process.env.FAILOVERS) || 20;
const PARAMETERS = 10;
const TICK_EVERY_MS = 60_000;
const FUNCTION_TIMEOUT_MS = 70_000;
const ROUND_TIMEOUT_MS = 20_000;
const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/bench';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:redis-ha-bench';
const CLIENT = { ...FAKE_AWS, maxAttempts: 3, retryDelayMs: 2 };

interface Round {
  switchAt?: number;
  publishedAt?: number;
  /** Parameters written in the SSM fake with the new master, and when the last one came. */
  written: Set<string>;
  writtenAt?: number;
  localPublishedAt?: number;
  localWrittenAt?: number;
  /** SSM and SNS requests the fakes served between the switch and the end of the round. */
  ssmCalls: number;
  snsCalls: number;
  done?: () => void;
}

let round: Round = { written: new Set(), ssmCalls: 0, snsCalls: 0 };
let lastSentinelEventAt = performance.now();
const isComplete = (r: Round) =>
  r.publishedAt !== undefined &&
  r.written.size === PARAMETERS &&
  r.localPublishedAt !== undefined &&
  r.localWrittenAt !== undefined;

const fixture = await benchFixture({
  topology: { failoverTimeoutMs: 4000 },
  platformParameters: () =>
    Object.fromEntries(
      Array.from({ length: PARAMETERS }, (_, i) => [
        `/bench/platform-${i}/redis`,
        i % 2 ? '{{host}}:{{port}}' : 'redis://:{{password}}@{{host}}:{{port}}',
      ]),
    ),
  hooks: {
    onEventPublished: (event) => {
      if (event.type === EventType.masterChanged) round.localPublishedAt ??= performance.now();
    },
    onParametersWritten: (_c, names) => {
      if (round.localPublishedAt !== undefined && names.length > 0) {
        round.localWrittenAt ??= performance.now();
        if (isComplete(round)) round.done?.();
      }
    },
  },
});
const { topology, backend, inventory, deps } = fixture;
const cluster = inventory.clusters[0]?.name ?? '';
const [dynalite, ssm, sns] = await Promise.all([
  Dynalite.start(),
  SsmFake.start(),
  SnsFake.start(),
]);
const subscribers: Redis[] = [];
const invocations: Promise<unknown>[] = [];
let watcher: Watcher | undefined;
let scheduler: NodeJS.Timeout | undefined;

// The fakes record each request when they have handled it: that instant is "received".
const publishedPush = sns.published.push.bind(sns.published);
sns.published.push = (...items) => {
  for (const item of items) {
    if (
      item.attributes.type?.stringValue === EventType.masterChanged &&
      round.switchAt !== undefined &&
      round.publishedAt === undefined
    ) {
      round.publishedAt = performance.now();
      if (isComplete(round)) round.done?.();
    }
  }
  return publishedPush(...items);
};
let expectedMaster = '';
const requestsPush = ssm.requests.push.bind(ssm.requests);
ssm.requests.push = (...items) => {
  for (const item of items) {
    if (round.switchAt === undefined) continue;
    round.ssmCalls += 1;
    const name = String(item.input.Name ?? '');
    if (
      item.operation === 'PutParameter' &&
      item.status === 200 &&
      name.startsWith('/bench/platform-') &&
      expectedMaster &&
      String(item.input.Value).includes(expectedMaster)
    ) {
      round.written.add(name);
      if (round.written.size === PARAMETERS) {
        round.writtenAt = performance.now();
        if (isComplete(round)) round.done?.();
      }
    }
  }
  return requestsPush(...items);
};
const snsRequestsPush = sns.requests.push.bind(sns.requests);
sns.requests.push = (...items) => {
  if (round.switchAt !== undefined) round.snsCalls += items.length;
  return snsRequestsPush(...items);
};

function lambdaContext(requestId: string): Context {
  const deadline = Date.now() + FUNCTION_TIMEOUT_MS;
  return {
    awsRequestId: requestId,
    functionName: 'redis-ha-probe',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:redis-ha-probe',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/redis-ha-probe',
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Median of `calls` sequential round trips of `call`, in ms. */
async function roundTripMs(calls: number, call: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return percentile(samples, 50);
}

try {
  // The handler's environment: the fakes by service endpoint, quiet logs and no EMF output.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    POWERTOOLS_SERVICE_NAME: 'redis-ha',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const table = await dynalite.createStateTable();
  const parameters = new SsmParameterStore({ kmsKeyId: KMS_KEY, client: CLIENT });
  await parameters.put(PASSWORD_PARAMETER, BENCH_PASSWORD, { isSecure: true });
  const handler = probeFunction({
    env: {
      STATE_TABLE_NAME: table,
      EVENT_TOPIC_ARN: TOPIC_ARN,
      KMS_KEY_ID: KMS_KEY,
      REDIS_HA_INVENTORY: JSON.stringify(inventory),
    },
    client: CLIENT,
  });
  let ticks = 0;
  const invoke = () => {
    ticks += 1;
    invocations.push(
      handler(
        { kind: 'tick', scheduledTime: new Date().toISOString(), executionId: `bench-${ticks}` },
        lambdaContext(`bench-run-${ticks}`),
      ).catch((error: unknown) => process.stderr.write(`invocation failed: ${String(error)}\n`)),
    );
  };
  invoke();
  scheduler = setInterval(invoke, TICK_EVERY_MS);

  // Baseline: the local watch on the same topology and failovers.
  watcher = new Watcher(inventory, deps, { probeIntervalMs: 60_000 });
  await watcher.start();

  // Our own ears: the first +switch-master any sentinel announces starts the clock.
  for (const sentinel of topology.sentinels) {
    const redis = new Redis({ host: '127.0.0.1', port: sentinel.port, lazyConnect: true });
    redis.on('error', () => undefined);
    await redis.connect();
    await redis.psubscribe('*');
    redis.on('pmessage', (_pattern, channel: string, message: string) => {
      lastSentinelEventAt = performance.now();
      if (channel !== '+switch-master' || round.switchAt !== undefined) return;
      round.switchAt = performance.now();
      const [, , , host, port] = message.split(' ');
      expectedMaster = `${host}:${port}`;
    });
    subscribers.push(redis);
  }
  await topology.waitFor(
    async () =>
      (await backend.state.getClusterState(cluster))?.status === 'ok' &&
      ssm.versions('/bench/platform-0/redis').length > 0,
    'the first probes (local and handler)',
    30_000,
  );

  const aws: number[] = [];
  const local: number[] = [];
  const ssmCalls: number[] = [];
  let aborted = 0;
  for (let i = 0; aws.length < FAILOVERS && i < FAILOVERS * 2; i++) {
    await settleBeforeFailover(topology, () => lastSentinelEventAt);
    await watcher.idle();
    round = { written: new Set(), ssmCalls: 0, snsCalls: 0 };
    expectedMaster = '';
    const finished = new Promise<boolean>((resolve) => {
      round.done = () => resolve(true);
      setTimeout(() => resolve(false), ROUND_TIMEOUT_MS);
    });
    const leader = topology.sentinels[i % topology.sentinels.length];
    if (!leader) throw new Error('no sentinel');
    await topology.waitFor(
      async () =>
        (await topology
          .call(leader.port, 'sentinel', 'SENTINEL', 'FAILOVER', topology.masterName)
          .catch((e: Error) => e.message)) === 'OK',
      'SENTINEL FAILOVER to be accepted',
      60_000,
    );
    const isDone = await finished;
    const r = round;
    if (!isDone || r.switchAt === undefined) {
      // Sentinel aborted its own failover, or a run was between ticks: nothing to measure.
      aborted += 1;
      process.stderr.write('x');
      continue;
    }
    aws.push(Math.max(r.publishedAt ?? 0, r.writtenAt ?? 0) - r.switchAt);
    local.push(Math.max(r.localPublishedAt ?? 0, r.localWrittenAt ?? 0) - r.switchAt);
    ssmCalls.push(r.ssmCalls);
    process.stderr.write('.');
  }
  process.stderr.write('\n');

  // The fakes' own round trip through the same SDK clients (no Redis, no DynamoDB).
  const ssmRoundTripMs = await roundTripMs(20, () =>
    parameters.put('/bench/round-trip', `v-${Date.now()}`, { isSecure: false }),
  );
  const publisher = new SNSClient({ ...FAKE_AWS, endpoint: sns.endpoint });
  const snsRoundTripMs = await roundTripMs(20, () =>
    publisher.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: 'round trip' })),
  );
  publisher.destroy();

  const calls = percentile(ssmCalls, 50);
  console.log(
    `+switch-master received -> SNS publish + ${PARAMETERS} parameters written, ${aws.length} failovers (${aborted} not measured: sentinel aborted its own failover):`,
  );
  console.log(`  probe handler, dynalite + loopback SSM/SNS: ${summary(aws)}`);
  console.log(`  baseline, local backend watch (same failovers): ${summary(local)}`);
  console.log(
    `  fakes' own round trip through the SDK (median of 20): SSM PutParameter ${ssmRoundTripMs.toFixed(2)} ms, SNS Publish ${snsRoundTripMs.toFixed(2)} ms`,
  );
  console.log(
    `  calls on the path per failover: 1 SNS Publish, ${calls} SSM requests (median: the probe's password read, one GetParameters of the current values, ${PARAMETERS} sequential PutParameter), 3 DynamoDB (state read, event claim, mark published)`,
  );
  const assumedMs = { ssm: 30, sns: 30, dynamodb: 8 };
  const addedMs = assumedMs.sns + calls * assumedMs.ssm + 3 * assumedMs.dynamodb;
  console.log(
    `  assumption, not measured: in-Region SSM and SNS calls take tens of ms each (~${assumedMs.ssm} ms), DynamoDB ~${assumedMs.dynamodb} ms: a real deployment adds about ${addedMs} ms to p50 (${PARAMETERS} parameters written one after another dominate)`,
  );
} finally {
  if (scheduler) clearInterval(scheduler);
  await watcher?.stop();
  for (const redis of subscribers) redis.disconnect();
  // Each invocation ends itself before its 70 s deadline.
  process.stderr.write(`waiting for ${invocations.length} invocation(s) to end their watch\n`);
  await Promise.all(invocations);
  await Promise.all([dynalite.stop(), ssm.stop(), sns.stop()]);
  await fixture.close();
}
