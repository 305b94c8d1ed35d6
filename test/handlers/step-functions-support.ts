// The offline deployment: dynalite as the state table, loopback fakes of SSM and SNS, the
// rotation function's real handler on AWS dependencies pointed at them, and the SYNTHESIZED
// rotation state machine run by aws-local-stepfunctions with every Task bound to that handler.
// Used by test/handlers/step-functions.test.ts and by `npm run demo:aws` (scripts/demo-aws.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { StateMachine as LocalStateMachine, type RunOptions } from 'aws-local-stepfunctions';
import type { Inventory } from '../../functions/core/inventory';
import type { Logger, RotationStarter, RotationStartInput } from '../../functions/core/ports';
import type { ControlDeps } from '../../functions/control/reconcile';
import type { FaultPoint } from '../../functions/control/fault-points';
import { createRotationHandler } from '../../functions/handlers/rotation';
import type {
  RotationHandlerDeps,
  RotationHandlerResult,
} from '../../functions/handlers/rotation/rotation-handler';
import { awsControlDeps, type AwsSettings } from '../../functions/wiring/aws';
import { loopbackClient } from '../support/aws-fakes/loopback';
import { SnsFake } from '../support/aws-fakes/sns-fake';
import { SsmFake } from '../support/aws-fakes/ssm-fake';
import { Dynalite } from '../support/dynalite';
import { controlPlaneStack } from '../infra/control-plane-fixture';

export const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-redis-ha-test';
export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:redis-ha-events';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:redis-ha-rotation';

/** dynalite, the SSM fake and the SNS fake: what the deployed functions would call. */
export class OfflineAws {
  private constructor(
    readonly dynalite: Dynalite,
    readonly ssm: SsmFake,
    readonly sns: SnsFake,
    readonly settings: AwsSettings,
  ) {}

  static async start(): Promise<OfflineAws> {
    const [dynalite, ssm, sns] = await Promise.all([
      Dynalite.start(),
      SsmFake.start(),
      SnsFake.start(),
    ]);
    const stateTable = await dynalite.createStateTable();
    return new OfflineAws(dynalite, ssm, sns, {
      stateTable,
      eventTopic: TOPIC_ARN,
      kmsKey: KMS_KEY,
    });
  }

  /**
   * The control plane as functions/wiring/aws.ts wires it, each adapter's SDK client pointed at
   * its own loopback endpoint (dummy credentials, retries a few ms apart).
   */
  controlDeps(
    logger: Logger,
    extra: Partial<Pick<ControlDeps, 'faults' | 'hooks'>> = {},
  ): ControlDeps {
    const wired = (endpoint: string) =>
      awsControlDeps(this.settings, {
        logger,
        source: 'urn:redis-ha:aws:offline',
        client: loopbackClient(endpoint),
        ...extra,
      });
    const base = wired(this.dynalite.endpoint);
    return {
      ...base,
      parameters: wired(this.ssm.endpoint).parameters,
      events: wired(this.sns.endpoint).events,
    };
  }

  async stop(): Promise<void> {
    await Promise.all([this.dynalite.stop(), this.ssm.stop(), this.sns.stop()]);
  }
}

/** A RotationStarter that records what it was asked (the schedule's starts). */
export class RecordingStarter implements RotationStarter {
  readonly calls: RotationStartInput[] = [];
  start(input: RotationStartInput) {
    this.calls.push(input);
    return Promise.resolve({
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:rotation:${input.rotationId}`,
      isAlreadyStarted: false,
    });
  }
}

export interface RotationFunctionOptions {
  readonly inventory: Inventory;
  readonly aws: OfflineAws;
  /** Fault points of the control plane (a crash after a phase committed). */
  readonly faults?: FaultPoint;
  readonly hooks?: ControlDeps['hooks'];
  readonly starter?: RotationStarter;
  /** Every line the function's Logger writes (JSON), and its metrics (EMF). */
  readonly output?: (line: string) => void;
  /** Wraps the control plane's ports (the demo traces SSM writes and SNS publishes). */
  readonly decorate?: (deps: ControlDeps) => ControlDeps;
}

/** The rotation function's real handler, as deployed, on the offline AWS. */
export function rotationFunction(options: RotationFunctionOptions) {
  const write = options.output ?? (() => undefined);
  const handler = createRotationHandler(
    (logger): RotationHandlerDeps => ({
      inventory: options.inventory,
      control: {
        ...(options.decorate ?? ((deps) => deps))(
          options.aws.controlDeps(logger, {
            ...(options.faults ? { faults: options.faults } : {}),
            ...(options.hooks ? { hooks: options.hooks } : {}),
          }),
        ),
        randomBytes: (size) => randomBytes(size),
      },
      starter: options.starter ?? new RecordingStarter(),
      newRotationId: () => randomUUID(),
    }),
    // The deployed defaults: Logger and Metrics of service `redis-ha`, level INFO.
  );
  return {
    /** Invokes the handler as Lambda would: a fresh request id, two minutes to run. */
    invoke: (event: unknown): Promise<RotationHandlerResult> =>
      captureStdout(write, () => handler(event, lambdaContext())),
  };
}

/** A Lambda context for one invocation (what Powertools and middy read from it). */
export function lambdaContext(remainingMs = 120_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'redis-ha-rotation',
    functionVersion: '$LATEST',
    invokedFunctionArn: FUNCTION_ARN,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/redis-ha-rotation',
    logStreamName: 'offline',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

// Powertools Logger and Metrics write JSON lines to process.stdout (errors and warnings to
// stderr); keep them for the checks (and off the test output). Invocations never overlap here.
async function captureStdout<T>(write: (line: string) => void, run: () => Promise<T>): Promise<T> {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write.bind(stream));
  for (const stream of streams)
    stream.write = ((chunk: string | Uint8Array) => {
      write(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof stream.write;
  try {
    return await run();
  } finally {
    streams.forEach((stream, i) => (stream.write = originals[i] as typeof stream.write));
  }
}

interface AslState {
  readonly Type: string;
}
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
}

/**
 * The rotation state machine's definition as the stack synthesizes it (bundling skipped), its
 * CloudFormation references replaced as Step Functions would get them.
 */
export function synthesizedRotationDefinition(): AslDefinition {
  const { stack, template } = controlPlaneStack();
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const definitionString = (machine as { Properties: { DefinitionString: unknown } }).Properties
    .DefinitionString;
  const resolved = stack.resolve(definitionString) as { 'Fn::Join': [string, unknown[]] };
  const text = resolved['Fn::Join'][1]
    .map((part) => (typeof part === 'string' ? part : FUNCTION_ARN))
    .join('');
  return JSON.parse(text) as AslDefinition;
}

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
/** One event of an execution's history (aws-local-stepfunctions `EventLog`, the fields read). */
export interface EventLog {
  readonly type: string;
  readonly timestamp: number;
  readonly state?: { readonly name: string; readonly input?: unknown; readonly output?: unknown };
  readonly Error?: string;
  readonly Cause?: unknown;
}

export interface ExecutionRun {
  /** The execution's output, or undefined when it failed. */
  readonly output: unknown;
  /** The `Error` of the Fail state it ended in (`RolledBack`, `NeedsAttention`, ...). */
  readonly failure: string | undefined;
  /** The execution's history, as aws-local-stepfunctions logs it. */
  readonly events: readonly EventLog[];
}

export interface RunRotationOptions {
  /** Runs around each task call: may throw (a crash) or act (kill a node) before or after. */
  readonly around?: (state: string, call: () => Promise<unknown>) => Promise<unknown>;
  /** What WaitGrace waits instead of `$.graceSeconds`, in ms. */
  readonly waitGraceMs: number;
  /** What every retry waits instead of its backoff, in ms. */
  readonly retryMs: number;
}

/**
 * Runs `definition` with `input` (the execution input, as the starter sends it), every Task bound
 * to `invoke` (the rotation function), and returns its outcome and history.
 */
export async function runExecution(
  definition: AslDefinition,
  input: RotationStartInput,
  invoke: (event: unknown) => Promise<unknown>,
  options: RunRotationOptions,
): Promise<ExecutionRun> {
  const tasks = Object.entries(definition.States)
    .filter(([, state]) => state.Type === 'Task')
    .map(([name]) => name);
  const around = options.around ?? ((_state, call) => call());
  const handlers: LocalHandlers = Object.fromEntries(
    tasks.map((state) => [
      state,
      async (payload: unknown) => (await around(state, () => invoke(payload))) as never,
    ]),
  );
  const machine = new LocalStateMachine(definition as never, {
    validationOptions: { checkArn: false },
  });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      waitTimeOverrides: { WaitGrace: options.waitGraceMs },
      retryIntervalOverrides: Object.fromEntries(tasks.map((state) => [state, options.retryMs])),
    },
    context: { Execution: { Name: input.rotationId } },
  });
  const events: EventLog[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) events.push(event as EventLog);
  })();
  // A Fail state's Error is the name of the ExecutionError's cause.
  const outcome = await execution.result.then(
    (output) => ({ output: output as unknown, failure: undefined }),
    (error: Error) => ({
      output: undefined,
      failure: (error.cause as Error | undefined)?.name ?? error.name,
    }),
  );
  await collecting;
  return { ...outcome, events };
}
