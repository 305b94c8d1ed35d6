// SnsEventBus: the exact Publish input (aws-sdk-client-mock), and the SDK's own retries against
// a loopback fake of SNS: a 5xx is retried, a publish that keeps failing rejects, and an event
// whose publish rejected is never marked published, so a later run publishes it.
import { PublishCommand, SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../functions/adapters/aws/dynamodb-state-store';
import { SnsEventBus, snsSubject } from '../../functions/adapters/aws/sns-event-bus';
import { buildEvent, EventType, type CloudEvent } from '../../functions/core/events';
import type { EventBus, StateStore } from '../../functions/core/ports';
import { loopbackClient } from '../support/aws-fakes/loopback';
import { SnsFake } from '../support/aws-fakes/sns-fake';
import { Dynalite } from '../support/dynalite';
import { contractEvent } from '../contracts/event-bus.contract';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:redis-ha-events';

describe('SnsEventBus inputs', () => {
  // One mocked instance, not the class: the loopback tests below need the real `send`.
  const client = new SNSClient({ region: 'eu-west-1' });
  const sns = mockClient(client);
  const bus = () => new SnsEventBus({ topicArn: TOPIC, sns: client });
  beforeEach(() => sns.reset());

  it('publishes the CloudEvent JSON with type, cluster and severity as String attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const event = contractEvent('orders', 'inputs');

    await bus().publish(event);

    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: TOPIC,
      Message: JSON.stringify(event),
      Subject: 'redis-ha warning: redis-ha.master.changed orders',
      MessageAttributes: {
        type: { DataType: 'String', StringValue: 'redis-ha.master.changed' },
        cluster: { DataType: 'String', StringValue: 'orders' },
        severity: { DataType: 'String', StringValue: 'warning' },
      },
    });
  });

  it('keeps the subject within 100 printable ASCII characters', () => {
    const event = buildEvent({
      source: 'test',
      type: EventType.healthChanged,
      cluster: `caché-${'x'.repeat(200)}`,
      cause: 'c',
      severity: 'critical',
      time: new Date(0),
      data: {},
    });

    const subject = snsSubject(event);

    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^redis-ha critical: redis-ha\.health\.changed cach\?-x+\.\.\.$/);
  });

  it('rejects with the event id and the service error when SNS refuses', async () => {
    sns.on(PublishCommand).rejects(
      new SNSServiceException({
        name: 'AuthorizationError',
        $fault: 'client',
        message: 'not authorized to perform SNS:Publish',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const event = contractEvent('orders', 'denied');

    await expect(bus().publish(event)).rejects.toMatchObject({
      code: 'AWS_SNS_FAILED',
      errorName: 'AuthorizationError',
      httpStatusCode: 403,
      message: expect.stringContaining(event.id),
    });
  });

  it('needs a topic', () => {
    expect(() => new SnsEventBus({ topicArn: '' })).toThrow(/topicArn/);
  });
});

describe('SnsEventBus through the SDK retrier (loopback SNS)', () => {
  let fake: SnsFake;
  let dynalite: Dynalite;
  beforeAll(async () => {
    dynalite = await Dynalite.start();
  });
  afterAll(() => dynalite.stop());
  beforeEach(async () => {
    fake = await SnsFake.start();
  });
  afterEach(() => fake.stop());

  const busFor = (maxAttempts = 3) =>
    new SnsEventBus({ topicArn: TOPIC, client: loopbackClient(fake.endpoint, maxAttempts) });

  it('retries a 500 and then publishes once', async () => {
    fake.failNext(1, { status: 500, code: 'InternalError' });

    await busFor().publish(contractEvent('orders', 'retried'));

    expect(fake.requests.map((r) => r.status)).toEqual([500, 200]);
    expect(fake.published).toHaveLength(1);
    expect(fake.published[0]?.attributes).toEqual({
      type: { dataType: 'String', stringValue: 'redis-ha.master.changed' },
      cluster: { dataType: 'String', stringValue: 'orders' },
      severity: { dataType: 'String', stringValue: 'warning' },
    });
  });

  it('rejects once every attempt failed', async () => {
    fake.failAlways({ status: 500, code: 'InternalError' });

    await expect(busFor(3).publish(contractEvent('orders', 'lost'))).rejects.toMatchObject({
      code: 'AWS_SNS_FAILED',
      // The SDK maps SNS's awsQuery code `InternalError` to its modelled exception.
      errorName: 'InternalErrorException',
    });
    expect(fake.requests.map((r) => r.status)).toEqual([500, 500, 500]);
    expect(fake.published).toHaveLength(0);
  });

  it('leaves an event whose publish failed unmarked, so a later run publishes it', async () => {
    const state = new DynamoDbStateStore({
      tableName: await dynalite.createStateTable(),
      client: dynalite.clientOptions(),
    });
    const bus = busFor(2);
    const event = contractEvent('orders', 'claimed');
    const t0 = new Date('2026-11-25T06:00:00.000Z');
    fake.failAlways({ status: 503, code: 'ServiceUnavailable' });

    await expect(publishOnce(state, bus, event, 'run-1', t0)).rejects.toThrow(/SNS Publish/);
    fake.failAlways(undefined);

    expect(await publishOnce(state, bus, event, 'run-2', new Date(t0.getTime() + 1_000))).toBe(
      'busy',
    );
    expect(await publishOnce(state, bus, event, 'run-2', new Date(t0.getTime() + 31_000))).toBe(
      'published',
    );
    expect(await state.claimEvent(event.id, 'run-3', 30_000, new Date(t0.getTime() + 32_000))).toBe(
      'published',
    );
    expect(fake.published.map((p) => (JSON.parse(p.message) as CloudEvent).id)).toEqual([event.id]);
  });
});

/** The claim-publish-mark sequence the control plane runs for every event (lease 30 s). */
async function publishOnce(
  state: StateStore,
  bus: EventBus,
  event: CloudEvent,
  claimant: string,
  now: Date,
): Promise<'published' | 'busy'> {
  const claim = await state.claimEvent(event.id, claimant, 30_000, now);
  if (claim !== 'claimed') return claim;
  await bus.publish(event);
  await state.markEventPublished(event.id, claimant, now);
  return 'published';
}
