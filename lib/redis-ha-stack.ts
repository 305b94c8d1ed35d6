// The redis-ha stack: it only composes the RedisHaControlPlane construct and names its outputs
// (one per ElastiCache notification topic it created, with the command that attaches it).
// Environment-agnostic and free of lookups, so `cdk synth` runs offline.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RedisHaControlPlane, type RedisHaControlPlaneProps } from './redis-ha-control-plane';

/** Properties of the redis-ha stack: the stack's own and the control plane's. */
export interface RedisHaStackProps extends StackProps, RedisHaControlPlaneProps {}

export class RedisHaStack extends Stack {
  readonly controlPlane: RedisHaControlPlane;

  constructor(scope: Construct, id: string, props: RedisHaStackProps) {
    super(scope, id, props);
    this.controlPlane = new RedisHaControlPlane(this, 'ControlPlane', props);
    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the IAM-authorised HTTP API',
      value: this.controlPlane.api.url,
    });
    new CfnOutput(this, 'EventTopicArn', {
      description: 'Subscribe here for redis-ha events (filter on type, cluster, severity)',
      value: this.controlPlane.eventTopic.topicArn,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Subscribe here for alarm notifications',
      value: this.controlPlane.alarmTopic.topicArn,
    });
    // `redis-ha --backend aws` reads these as STATE_TABLE_NAME and KMS_KEY_ID (README, deploy).
    new CfnOutput(this, 'StateTableName', {
      description: 'STATE_TABLE_NAME for redis-ha --backend aws (status, events, rotations)',
      value: this.controlPlane.tables.stateTable.tableName,
    });
    new CfnOutput(this, 'KmsKeyId', {
      description: 'KMS_KEY_ID for redis-ha --backend aws params put --secure',
      value: this.controlPlane.encryptionKey.keyArn,
    });
    new CfnOutput(this, 'RotationStateMachineArn', {
      value: this.controlPlane.rotationStateMachine.stateMachineArn,
    });
    const outputIds = new Set<string>();
    for (const { cluster, topic, isCreated } of this.controlPlane.elastiCacheNotifications
      ?.topics ?? []) {
      if (!isCreated) continue;
      const id = uniqueId(`ElastiCacheTopic${alphanumeric(cluster.name)}`, outputIds);
      // A group takes one notification topic: attaching this one replaces the group's current
      // one (give yours with elastiCacheNotifications.topicArns instead to keep it).
      new CfnOutput(this, id, {
        description: `ElastiCache notifications of ${cluster.name}: aws elasticache modify-replication-group --replication-group-id ${cluster.replicationGroupId} --region ${cluster.region} --notification-topic-arn <this value> (replaces the group's current topic)`,
        value: topic.topicArn,
      });
    }
  }
}

/** `orders-eu.1` -> `OrdersEu1`: output ids take letters and digits only. */
function alphanumeric(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** `id`, or `id2`, `id3`... when two names reduce to the same letters and digits. */
function uniqueId(id: string, taken: Set<string>): string {
  let candidate = id;
  for (let n = 2; taken.has(candidate); n++) candidate = `${id}${n}`;
  taken.add(candidate);
  return candidate;
}
