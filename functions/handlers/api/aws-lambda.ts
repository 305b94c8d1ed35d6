// The probe invoker on Lambda, loaded on the first `POST /clusters/{name}/probe`.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaProbeInvoker } from '../../adapters/aws/lambda-probe-invoker';
import { ApiEnv, required, type Env } from './aws-env';

export function lambdaProbeInvoker(env: Env): LambdaProbeInvoker {
  return new LambdaProbeInvoker({
    functionName: required(env, ApiEnv.probeFunction),
    client: new LambdaClient({}),
  });
}
