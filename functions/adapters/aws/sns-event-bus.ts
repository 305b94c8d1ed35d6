// EventBus on one SNS topic: the CloudEvent JSON is the message, and its type, cluster and
// severity are message attributes so subscriptions can filter on them. A publish SNS did not
// accept (after the SDK's retries) rejects, so the caller never marks that event published.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { RedisHaError } from '../../core/errors';
import type { CloudEvent } from '../../core/events';
import type { EventBus } from '../../core/ports';
import { awsCallError, awsClientConfig, type AwsClientOptions } from './aws-clients';

/** SNS subjects are at most 100 printable ASCII characters, on one line. */
const SUBJECT_MAX_LENGTH = 100;

export interface SnsEventBusOptions {
  /** ARN of the topic every event goes to. */
  readonly topicArn: string;
  /** A client to use as is (shared, or mocked in tests); else one is built from `client`. */
  readonly sns?: SNSClient;
  /** How to build the client when `sns` is not given. */
  readonly client?: AwsClientOptions;
}

export class SnsEventBus implements EventBus {
  private readonly sns: SNSClient;
  private readonly topicArn: string;

  constructor(options: SnsEventBusOptions) {
    if (!options.topicArn) {
      throw new RedisHaError('BAD_OPTIONS', 'SnsEventBus: topicArn is required');
    }
    this.topicArn = options.topicArn;
    this.sns = options.sns ?? new SNSClient(awsClientConfig(options.client));
  }

  async publish(event: CloudEvent): Promise<void> {
    try {
      await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Message: JSON.stringify(event),
          Subject: snsSubject(event),
          MessageAttributes: {
            type: { DataType: 'String', StringValue: event.type },
            cluster: { DataType: 'String', StringValue: event.subject },
            severity: { DataType: 'String', StringValue: event.severity },
          },
        }),
      );
    } catch (error) {
      throw awsCallError('SNS', 'Publish', `event ${event.id} (${event.type})`, error);
    }
  }
}

/** `redis-ha <severity>: <type> <cluster>`, made fit for an SNS subject (email subscriptions). */
export function snsSubject(event: CloudEvent): string {
  const text = `redis-ha ${event.severity}: ${event.type} ${event.subject}`.replace(
    /[^\x20-\x7e]/g,
    '?',
  );
  return text.length <= SUBJECT_MAX_LENGTH ? text : `${text.slice(0, SUBJECT_MAX_LENGTH - 3)}...`;
}
