// RotationStarter on Step Functions: one execution of the rotation state machine per rotation,
// named by the rotation id, so a retried start can never run a rotation twice (execution names
// are unique per state machine for 90 days). The input carries no secret.
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { RotationStartInput, RotationStarter } from '../../core/ports';

export interface SfnRotationStarterOptions {
  readonly stateMachineArn: string;
  readonly client: SFNClient;
}

export class SfnRotationStarter implements RotationStarter {
  constructor(private readonly options: SfnRotationStarterOptions) {}

  async start(
    input: RotationStartInput,
  ): Promise<{ readonly executionArn: string; readonly isAlreadyStarted: boolean }> {
    const { stateMachineArn, client } = this.options;
    try {
      const output = await client.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: input.rotationId,
          input: JSON.stringify(executionInput(input)),
        }),
      );
      return {
        executionArn: output.executionArn ?? executionArnFor(stateMachineArn, input.rotationId),
        isAlreadyStarted: false,
      };
    } catch (error) {
      // A Standard workflow answers a repeated name with ExecutionAlreadyExists when the first run
      // is closed or its input differs: that rotation was started, which is what was asked.
      // https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
      if (error instanceof ExecutionAlreadyExists)
        return {
          executionArn: executionArnFor(stateMachineArn, input.rotationId),
          isAlreadyStarted: true,
        };
      throw error;
    }
  }
}

/** The state machine's input: exactly the start input, with a stable key order. */
export function executionInput(input: RotationStartInput): RotationStartInput {
  return {
    cluster: input.cluster,
    rotationId: input.rotationId,
    actor: input.actor,
    isForced: input.isForced,
    ...(input.gracePeriodMs === undefined ? {} : { gracePeriodMs: input.gracePeriodMs }),
  };
}

/** `arn:…:stateMachine:M` + name → `arn:…:execution:M:name`. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
