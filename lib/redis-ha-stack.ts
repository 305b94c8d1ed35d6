// The redis-ha stack: it only composes the RedisHaControlPlane construct. Environment-agnostic
// and free of lookups, so `cdk synth` runs offline.
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
  }
}
