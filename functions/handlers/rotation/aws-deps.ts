// The rotation function's dependencies in AWS, from its environment (set by the CDK construct):
// SSM, SNS, DynamoDB and ioredis through functions/wiring/aws.ts, Step Functions for the
// schedule's starts, real randomness for new passwords and rotation ids.
import { randomBytes, randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import { awsControlDeps, AwsEnv, awsSettingsFrom, inventoryFrom } from '../../wiring/aws';
import { RedisHaError } from '../../core/errors';
import { AWS_EVENT_SOURCE } from '../shared/event-source';
import type { RotationDepsFactory } from './rotation-handler';
import { SfnRotationStarter } from '../../adapters/aws/sfn-rotation-starter';

/** The factory of the deployed function: everything from `env` (its `process.env`). */
export function awsRotationDeps(
  env: Readonly<Record<string, string | undefined>>,
): RotationDepsFactory {
  return (logger) => {
    const settings = awsSettingsFrom(env);
    const stateMachineArn = env[AwsEnv.stateMachine];
    if (!stateMachineArn)
      throw new RedisHaError(
        'BAD_ENVIRONMENT',
        `missing environment variable ${AwsEnv.stateMachine}: the redis-ha stack sets it on the rotation function`,
      );
    return {
      inventory: inventoryFrom(env),
      control: {
        ...awsControlDeps(settings, { logger, source: AWS_EVENT_SOURCE }),
        randomBytes: (size) => randomBytes(size),
      },
      starter: new SfnRotationStarter({ stateMachineArn, client: new SFNClient({}) }),
      newRotationId: () => randomUUID(),
    };
  };
}
