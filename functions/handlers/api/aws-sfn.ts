// The rotation starter on Step Functions, loaded on the first request that starts a rotation.
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnRotationStarter } from '../../adapters/aws/sfn-rotation-starter';
import { ApiEnv, required, type Env } from './aws-env';

export function sfnRotationStarter(env: Env): SfnRotationStarter {
  return new SfnRotationStarter({
    stateMachineArn: required(env, ApiEnv.stateMachine),
    client: new SFNClient({}),
  });
}
