// The redis-ha stack. Infrastructure only: it composes constructs and never imports
// functions/ code. The RedisHaControlPlane construct (Lambdas, SNS, SSM, DynamoDB) lands with
// the AWS deployment issue; until then the stack is intentionally empty but synthesizable.
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Properties of the redis-ha stack. */
export interface RedisHaStackProps extends StackProps {
  /**
   * Path of the inventory the control plane will watch.
   * @default 'redis-ha.yaml'
   */
  readonly inventoryPath?: string;
}

export class RedisHaStack extends Stack {
  /** The inventory path this stack was synthesized for. */
  readonly inventoryPath: string;

  constructor(scope: Construct, id: string, props: RedisHaStackProps = {}) {
    super(scope, id, props);
    this.inventoryPath = props.inventoryPath ?? 'redis-ha.yaml';
  }
}
