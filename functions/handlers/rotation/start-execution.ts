// Starts one execution of the rotation state machine, named by the rotation id (execution names
// are unique per state machine for 90 days, so a retried start never runs a rotation twice).
// Minimal on purpose: the API's RotationStarter port and its Step Functions adapter live on
// branch h-api (functions/core/ports.ts, functions/adapters/aws/sfn-rotation-starter.ts), not
// yet merged here; this has the same shape, so the schedule can switch to it once it is.
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { AwsClientOptions } from '../../adapters/aws/aws-clients';
import { awsClientConfig } from '../../adapters/aws/aws-clients';
import type { RotationExecutionInput } from '../../../lib/rotation-contract';

/** What starting a rotation sends: the execution's input (no secret in it). */
export type RotationStartInput = RotationExecutionInput & { readonly gracePeriodMs?: number };

/** Starts rotation runs (structurally the RotationStarter port of branch h-api). */
export interface RotationStarter {
  start(
    input: RotationStartInput,
  ): Promise<{ readonly executionArn: string; readonly isAlreadyStarted: boolean }>;
}

export class StepFunctionsRotationStarter implements RotationStarter {
  private readonly client: SFNClient;

  constructor(
    private readonly stateMachineArn: string,
    client: SFNClient | AwsClientOptions = {},
  ) {
    this.client = client instanceof SFNClient ? client : new SFNClient(awsClientConfig(client));
  }

  async start(input: RotationStartInput) {
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.rotationId}`;
    try {
      const output = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: input.rotationId,
          input: JSON.stringify({
            cluster: input.cluster,
            rotationId: input.rotationId,
            actor: input.actor,
            isForced: input.isForced,
            ...(input.gracePeriodMs === undefined ? {} : { gracePeriodMs: input.gracePeriodMs }),
          }),
        }),
      );
      return { executionArn: output.executionArn ?? executionArn, isAlreadyStarted: false };
    } catch (error) {
      // A repeated name: that rotation was started already, which is what was asked.
      // https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
      if (error instanceof ExecutionAlreadyExists) return { executionArn, isAlreadyStarted: true };
      throw error;
    }
  }
}
