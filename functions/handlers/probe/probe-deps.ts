// The probe function's dependencies from its environment (the CDK construct sets it): the
// inventory and the control plane on SSM, SNS, DynamoDB and ioredis, logging through
// Powertools. Built on the first invocation, then kept for the life of the execution
// environment (SDK clients and their connections are reused across invocations).
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { AwsClientOptions } from '../../adapters/aws/aws-clients';
import { awsControlDeps, awsSettingsFrom, inventoryFrom } from '../../wiring/aws';
import { AWS_EVENT_SOURCE } from '../shared/event-source';
import { powertoolsRecorder } from '../shared/metrics';
import { PowertoolsLoggerAdapter } from '../shared/powertools-logger';
import type { ProbeDepsFactory } from './probe-handler';

export interface ProbeEnvironment {
  /** The function's environment (process.env in Lambda). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** SDK client settings; default the SDK's own (tests point them at dynalite and the fakes). */
  readonly client?: AwsClientOptions;
}

/** A factory for createProbeHandler: reads `environment` when called, not before. */
export function probeDepsFrom(
  environment: ProbeEnvironment,
  powertools: { readonly logger: Logger; readonly metrics: Metrics },
): ProbeDepsFactory {
  return () => {
    const logger = new PowertoolsLoggerAdapter(powertools.logger);
    const inventory = inventoryFrom(environment.env);
    const control = awsControlDeps(awsSettingsFrom(environment.env), {
      logger,
      source: AWS_EVENT_SOURCE,
      ...(environment.client ? { client: environment.client } : {}),
    });
    return { inventory, control, logger, metrics: powertoolsRecorder(powertools.metrics) };
  };
}
