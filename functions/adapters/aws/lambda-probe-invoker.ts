// ProbeInvoker on Lambda: a synchronous (RequestResponse) invoke of the probe function for one
// cluster, returning the report it answers with. A function error becomes a ProbeFunctionError
// naming the error type only: the function's own message stays in its logs.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { RedisHaError } from '../../core/errors';
import type { ProbeInvoker } from '../../core/ports';

export interface LambdaProbeInvokerOptions {
  /** Name or ARN of the probe function. */
  readonly functionName: string;
  readonly client: LambdaClient;
}

/** The probe function failed or answered something that is not JSON. */
export class ProbeFunctionError extends RedisHaError {
  constructor(message: string) {
    super('PROBE_FUNCTION_FAILED', message);
    this.name = 'ProbeFunctionError';
  }
}

export class LambdaProbeInvoker implements ProbeInvoker {
  constructor(private readonly options: LambdaProbeInvokerOptions) {}

  async probe(cluster: string, signal?: AbortSignal): Promise<unknown> {
    const output = await this.options.client.send(
      new InvokeCommand({
        FunctionName: this.options.functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify({ clusters: [cluster] })),
      }),
      signal ? { abortSignal: signal } : {},
    );
    const text = output.Payload ? new TextDecoder().decode(output.Payload) : '';
    if (output.FunctionError) {
      const errorType = errorTypeOf(text);
      throw new ProbeFunctionError(
        `the probe function failed for ${cluster} (${output.FunctionError}${errorType ? `: ${errorType}` : ''})`,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ProbeFunctionError(`the probe function answered no JSON report for ${cluster}`);
    }
  }
}

function errorTypeOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { errorType?: unknown };
    return typeof parsed.errorType === 'string' ? parsed.errorType : undefined;
  } catch {
    return undefined;
  }
}
