// The deployed probe function (its real middy stack, Powertools, AWS wiring, reconcileAll and the
// kind dispatch of reconcileCluster) hands the cluster an ElastiCache notification names to the
// ElastiCache reconcile, with the wiring's ElastiCache clients and a claim id of its own. The
// ElastiCache reconcile itself is replaced: its behaviour is tested where it is built.
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ElastiCacheCluster } from '../../functions/core/inventory';
import type {
  ControlDeps,
  ReconcileOptions,
  ReconcileReport,
} from '../../functions/control/reconcile';

const calls = vi.hoisted(
  () => [] as { cluster: ElastiCacheCluster; deps: ControlDeps; options: ReconcileOptions }[],
);
vi.mock('../../functions/control/elasticache-reconcile', () => ({
  reconcileElastiCache: (
    cluster: ElastiCacheCluster,
    deps: ControlDeps,
    options: ReconcileOptions = {},
  ): Promise<ReconcileReport> => {
    calls.push({ cluster, deps, options });
    return Promise.resolve({
      cluster: cluster.name,
      verdict: { status: 'ok', isConfirmed: true, reasons: [] },
      events: [],
      parametersWritten: [],
      isConflict: false,
      durationMs: 5,
    } as unknown as ReconcileReport);
  },
}));

const { probeFunction } = await import('../../functions/handlers/probe/index');

const INVENTORY = {
  clusters: [
    {
      name: 'carts',
      kind: 'elasticache',
      replicationGroupId: 'carts-prod',
      region: 'eu-west-1',
      passwordParameter: '/redis/carts/auth-token',
      tls: { enabled: true, rejectUnauthorized: true },
      clusterMode: 'disabled',
      thresholds: { maxReplicationLagBytes: 10485760 },
      timeouts: { connectMs: 1000, commandMs: 1000 },
      alertHysteresis: { probes: 2, seconds: 5 },
      platformParameters: {},
      rotation: { gracePeriod: '30s', length: 64, alphabet: 'ABCDEFGHIJKLMNOPabcdefgh0123!&#$' },
    },
  ],
};
const ENV = {
  STATE_TABLE_NAME: 'redis-ha-state',
  EVENT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:redis-ha-events',
  KMS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/wiring-test',
  REDIS_HA_INVENTORY: JSON.stringify(INVENTORY),
};
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:redis-ha-carts-elasticache';

const stdout: string[] = [];
beforeAll(() => {
  // Powertools writes logs and EMF to process.stdout; keep them out of the test output.
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterAll(() => {
  vi.restoreAllMocks();
});
beforeEach(() => {
  calls.length = 0;
});

function context(requestId: string): Context {
  return {
    awsRequestId: requestId,
    functionName: 'redis-ha-probe',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:redis-ha-probe',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/redis-ha-probe',
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 70_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const delivery = (message: string) => ({
  Records: [
    {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      Sns: {
        Type: 'Notification',
        MessageId: 'c9e5f6a1-1111-5b2c-9c1d-000000000001',
        TopicArn: TOPIC_ARN,
        Subject: 'ElastiCache Notification',
        Message: message,
        Timestamp: new Date().toISOString(),
      },
    },
  ],
});

describe('probe function (deployed wiring): ElastiCache notification', () => {
  it('reaches the ElastiCache reconcile of the named group, with the wiring ElastiCache clients', async () => {
    const handler = probeFunction({ env: ENV });

    const summary = await handler(
      delivery('{"ElastiCache:FailoverComplete":"carts-prod-002"}'),
      context('req-ec-1'),
    );

    expect(calls.map((c) => c.cluster.name)).toEqual(['carts']);
    expect(calls[0]?.options.runId).toBe('req-ec-1:carts');
    expect(typeof calls[0]?.deps.elasticache).toBe('function');
    expect(summary).toMatchObject({
      kind: 'notification',
      clusters: [{ cluster: 'carts', outcome: 'reconciled', status: 'ok' }],
    });
    const lines = stdout
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(lines.some((l) => l.includes('"ElastiCache notification: reconciling"'))).toBe(true);
  });

  it('reconciles nothing for a node of no inventory group, and does not fail', async () => {
    const handler = probeFunction({ env: ENV });

    const summary = await handler(
      delivery('{"ElastiCache:FailoverComplete":"orders-002"}'),
      context('req-ec-2'),
    );

    expect(calls).toEqual([]);
    expect(summary).toMatchObject({ kind: 'notification', clusters: [] });
  });
});
