// The offline deployment with an ElastiCache group: what test/handlers/elasticache-e2e.test.ts
// and `npm run demo:aws` add to step-functions-support.ts. The group's inventory entry (TLS with
// the test CA), the control plane's ElastiCache client pointed at the group's fake, and the SNS
// Lambda event that delivers an ElastiCache notification to the probe function.
import { randomUUID } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';
import type { ControlDeps } from '../../functions/control/reconcile';
import { elastiCacheApis } from '../../functions/wiring/elasticache';
import { FAKE_AWS, loopbackClient } from '../support/aws-fakes/loopback';
import type { ElastiCacheFake } from '../support/aws-fakes/elasticache-fake';
import type { LocalElastiCacheGroup } from '../support/elasticache-group';

/** The topic ElastiCache publishes the group's notifications to (unencrypted, as it requires). */
export const NOTIFICATION_TOPIC_ARN = `arn:aws:sns:${FAKE_AWS.region}:123456789012:redis-ha-elasticache`;

export interface ElastiCacheEntryOptions {
  readonly name: string;
  readonly passwordParameter: string;
  readonly platformParameters: Readonly<Record<string, string>>;
  /** The inventory's rotation grace period, e.g. `1s`. */
  readonly gracePeriod?: string;
}

const authOf = (group: LocalElastiCacheGroup) =>
  group.user ? { userId: group.user.userId, username: group.user.userName } : {};

/** The inventory entry (`kind: elasticache`) of `group`: AUTH token or RBAC user, TLS with the test CA. */
export function elastiCacheEntry(
  group: LocalElastiCacheGroup,
  options: ElastiCacheEntryOptions,
): Record<string, unknown> {
  return {
    name: options.name,
    kind: 'elasticache',
    replicationGroupId: group.replicationGroupId,
    region: FAKE_AWS.region,
    passwordParameter: options.passwordParameter,
    ...authOf(group),
    tls: { enabled: true, caFile: group.caFile },
    platformParameters: options.platformParameters,
    ...(options.gracePeriod ? { rotation: { gracePeriod: options.gracePeriod } } : {}),
  };
}

/** `deps` with its ElastiCache client on `fake` (the offline deps point it elsewhere). */
export function withElastiCache(deps: ControlDeps, fake: ElastiCacheFake): ControlDeps {
  return { ...deps, elasticache: elastiCacheApis(loopbackClient(fake.endpoint)) };
}

/** The Lambda event SNS delivers for one ElastiCache notification `message`. */
export function notificationEvent(message: string, topicArn = NOTIFICATION_TOPIC_ARN): SNSEvent {
  const messageId = randomUUID();
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        Sns: {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: topicArn,
          Subject: 'ElastiCache Notification',
          Message: message,
          Timestamp: new Date().toISOString(),
          SignatureVersion: '1',
          Signature: 'offline',
          SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/offline.pem',
          UnsubscribeUrl: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}
