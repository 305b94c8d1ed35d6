// The probe function fed by an ElastiCache notification topic: the SNS delivery is read (never
// mistaken for a tick), the node it names is mapped to its inventory cluster and that cluster
// alone is reconciled at once; a node of no inventory group, an announcement or a record that is
// not an ElastiCache notification is logged and ignored, without an error or a reconcile.
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseInventory, type Cluster, type Inventory } from '../../functions/core/inventory';
import type { ControlDeps, ReconcileReport } from '../../functions/control/reconcile';
import type { ReconcileAllOptions } from '../../functions/control/reconcile-all';
import { parseProbeEvent } from '../../functions/handlers/probe/probe-event';
import { createProbeHandler } from '../../functions/handlers/probe/probe-handler';
import type { ProbeNotificationSummary } from '../../functions/handlers/probe/probe-response';
import type { CorrelatedLogger } from '../../functions/handlers/shared/powertools-logger';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:redis-ha-sessions-elasticache';

/** An SNS delivery as Lambda receives it, one record per message. */
function snsEvent(...messages: string[]) {
  return {
    Records: messages.map((message, index) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${TOPIC_ARN}:2f0b7a54-0c1e-4c39-9d0b-6a0f3c1b${index}000`,
      Sns: {
        Type: 'Notification',
        MessageId: `95df01b4-ee98-5cb9-9903-4c221d41eb5${index}`,
        TopicArn: TOPIC_ARN,
        Subject: 'ElastiCache Notification',
        Message: message,
        Timestamp: '2026-11-25T09:00:00.000Z',
        SignatureVersion: '1',
        Signature: 'EXAMPLE',
        SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService.pem',
        UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
        MessageAttributes: {},
      },
    })),
  };
}

function inventory(): Inventory {
  const result = parseInventory(`
clusters:
  - name: sessions
    kind: elasticache
    replicationGroupId: sessions
    region: eu-west-1
    passwordParameter: /redis/sessions/token
  - name: carts
    kind: elasticache
    replicationGroupId: carts
    region: eu-west-1
    clusterMode: enabled
    passwordParameter: /redis/carts/token
  - name: tokens
    sentinels: ['10.0.2.20:26379']
    masterName: tokens-master
    passwordParameter: /redis/tokens/password
`);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.inventory;
}

interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** A handler on the inventory above whose reconcile records what it was asked to reconcile. */
function harness() {
  const lines: LogLine[] = [];
  const logger: CorrelatedLogger = {
    info: (message, fields = {}) => lines.push({ level: 'info', message, fields }),
    warn: (message, fields = {}) => lines.push({ level: 'warn', message, fields }),
    error: (message, fields = {}) => lines.push({ level: 'error', message, fields }),
    setCorrelationId: () => undefined,
  };
  const calls: { clusters: string[]; options: ReconcileAllOptions }[] = [];
  const handler = createProbeHandler(
    () => ({
      inventory: inventory(),
      control: { logger } as unknown as ControlDeps,
      logger,
      metrics: { count: () => undefined, milliseconds: () => undefined },
    }),
    {
      reconcile: (clusters: readonly Cluster[], _deps, options) => {
        calls.push({ clusters: clusters.map((c) => c.name), options });
        return Promise.resolve(
          clusters.map((cluster) => ({
            cluster: cluster.name,
            kind: 'reconciled' as const,
            report: {
              cluster: cluster.name,
              verdict: { status: 'ok', isConfirmed: true, reasons: [] },
              events: [],
              parametersWritten: [],
              isConflict: false,
              durationMs: 12,
            } as unknown as ReconcileReport,
          })),
        );
      },
    },
  );
  const invoke = async (event: unknown) =>
    (await handler(event, lambdaContext(), {})) as ProbeNotificationSummary;
  return { invoke, calls, lines };
}

function lambdaContext(): Context {
  return {
    awsRequestId: 'req-1',
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

describe('probe function: ElastiCache notifications', () => {
  it('reconciles the cluster whose group the failed-over node belongs to, and only it', async () => {
    const { invoke, calls, lines } = harness();

    const summary = await invoke(snsEvent('{"ElastiCache:FailoverComplete":"sessions-002"}'));

    expect(calls.map((c) => c.clusters)).toEqual([['sessions']]);
    expect(calls[0]?.options.runId).toBe('req-1');
    expect(calls[0]?.options.signal).toBeInstanceOf(AbortSignal);
    expect(summary).toMatchObject({
      kind: 'notification',
      notifications: [
        { events: ['FailoverComplete'], action: 'reconcile', clusters: ['sessions'] },
      ],
      clusters: [{ cluster: 'sessions', outcome: 'reconciled', status: 'ok' }],
    });
    expect(
      lines.find((l) => l.message === 'ElastiCache notification: reconciling')?.fields,
    ).toMatchObject({ nodes: ['sessions-002'], clusters: ['sessions'], topicArn: TOPIC_ARN });
  });

  it('maps a shard node of a cluster-mode group, and reconciles a cluster named twice once', async () => {
    const { invoke, calls } = harness();

    await invoke(
      snsEvent(
        '{"ElastiCache:CacheNodeReplaceComplete":"carts-0002-001"}',
        '{"ElastiCache:FailoverComplete":"carts-0002-002","Replication Group ID":"carts"}',
      ),
    );

    expect(calls.map((c) => c.clusters)).toEqual([['carts']]);
  });

  it('ignores a node of no inventory group: no reconcile, no error, a warning', async () => {
    const { invoke, calls, lines } = harness();

    const summary = await invoke(snsEvent('{"ElastiCache:FailoverComplete":"orders-002"}'));

    expect(calls).toEqual([]);
    expect(summary.notifications).toEqual([
      expect.objectContaining({ action: 'no-cluster', clusters: [] }),
    ]);
    expect(summary.clusters).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn').map((l) => [l.message, l.fields.nodes])).toEqual(
      [['ElastiCache notification names no inventory cluster; ignored', ['orders-002']]],
    );
  });

  it('logs an announcement (a snapshot) without probing', async () => {
    const { invoke, calls } = harness();

    const summary = await invoke(snsEvent('{"ElastiCache:SnapshotComplete":"sessions-001"}'));

    expect(calls).toEqual([]);
    expect(summary.notifications[0]).toMatchObject({
      action: 'informational',
      clusters: ['sessions'],
    });
  });

  it('logs why a record is not an ElastiCache notification, and acts on the good ones', async () => {
    const { invoke, calls, lines } = harness();

    const summary = await invoke(
      snsEvent(
        'password=hunter2 is not JSON',
        '{"AlarmName":"cpu"}',
        '{"ElastiCache:FailoverComplete":"sessions-001"}',
      ),
    );

    expect(calls.map((c) => c.clusters)).toEqual([['sessions']]);
    expect(summary.notifications.map((n) => n.action)).toEqual([
      'not-understood',
      'not-understood',
      'reconcile',
    ]);
    const reasons = lines.filter((l) => l.level === 'warn').map((l) => String(l.fields.reason));
    expect(reasons).toEqual([
      expect.stringMatching(/Message is not JSON \(28 characters\)/),
      expect.stringMatching(/no "ElastiCache:<Event>" entry/),
    ]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('never takes an SNS delivery for a tick, even a malformed one', async () => {
    const { invoke, calls, lines } = harness();

    const summary = await invoke({ Records: 'nope' });

    expect(summary.kind).toBe('notification');
    expect(calls).toEqual([]);
    expect(lines.some((l) => l.message === 'probe run started')).toBe(false);
  });
});

describe('reading SNS records', () => {
  const first = (event: unknown) => {
    const parsed = parseProbeEvent(event);
    if (parsed.kind !== 'notification') throw new Error(`read as ${parsed.kind}`);
    return parsed.records[0];
  };

  it('reads the events, the extra ids and the Region of the topic', () => {
    expect(
      first(
        snsEvent(
          '{"ElastiCache:FailoverComplete":"sessions","Cache Cluster ID":"sessions-001","Replication Group ID":"sessions"}',
        ),
      ),
    ).toEqual({
      ok: true,
      messageId: '95df01b4-ee98-5cb9-9903-4c221d41eb50',
      topicArn: TOPIC_ARN,
      timestamp: '2026-11-25T09:00:00.000Z',
      notification: {
        events: [{ name: 'FailoverComplete', sourceId: 'sessions' }],
        otherIds: ['sessions-001', 'sessions'],
        region: 'eu-west-1',
      },
    });
  });

  it.each([
    ['no record', { Records: [] }, /Records is not a non-empty list/],
    ['no message', { Records: [{ Sns: { TopicArn: TOPIC_ARN } }] }, /Records\[0\]\.Sns\.Message: /],
    [
      'another source',
      { Records: [{ EventSource: 'aws:sqs', Sns: { TopicArn: TOPIC_ARN, Message: '{}' } }] },
      /EventSource "aws:sqs" is not aws:sns/,
    ],
    ['a JSON list', snsEvent('[1,2]'), /Message is not a JSON object/],
    ['an event without a name', snsEvent('{"ElastiCache:":"x"}'), /no "ElastiCache:<Event>" entry/],
  ])('refuses %s with the reason', (_case, event, reason) => {
    expect(first(event)).toMatchObject({ ok: false, problem: expect.stringMatching(reason) });
  });
});
