// The rotation state machine as synthesized: its shape (phases, Wait on SecondsPath, retries
// with full jitter, catch routes), and its behaviour when run by aws-local-stepfunctions with
// stub tasks that honour lib/rotation-contract.ts. The real handler runs are other tests'.
import { StateMachine as LocalStateMachine, type RunOptions } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { RotationPhase } from '../../functions/core/rotation';
import { RotationTaskErrorName } from '../../functions/control/rotation-task';
import { RotationNotReadyError } from '../../functions/control/rotation-errors';
import {
  ROTATION_NOT_READY,
  ROTATION_STEPS,
  RotationTaskError,
  type RotationPhaseName,
  type RotationTaskInput,
  type RotationTaskOutput,
} from '../../lib/rotation-contract';
import { controlPlaneStack, resourcesOf } from './control-plane-fixture';

const { stack, template } = controlPlaneStack();
const [machine] = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'));
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:rotation';

/** The definition with CloudFormation functions replaced, as Step Functions would get it. */
function definitionOf(definitionString: unknown): Definition {
  const resolved = stack.resolve(definitionString) as { 'Fn::Join': [string, unknown[]] };
  const text = resolved['Fn::Join'][1]
    .map((part) => (typeof part === 'string' ? part : FUNCTION_ARN))
    .join('');
  return JSON.parse(text) as Definition;
}
interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  SecondsPath?: string;
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number; JitterStrategy?: string }[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Error?: string;
}
interface Definition {
  StartAt: string;
  States: Record<string, State>;
  QueryLanguage?: string;
}
const definition = definitionOf(machine?.DefinitionString);

/** State names from StartAt following Next. */
function mainPath(): string[] {
  const path: string[] = [];
  for (let name: string | undefined = definition.StartAt; name;) {
    path.push(name);
    name = definition.States[name]?.Next;
  }
  return path;
}

describe('rotation state machine definition', () => {
  it('is a Standard JSONPath workflow that logs every event and is traced', () => {
    expect(machine?.StateMachineType).toBe('STANDARD');
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(machine?.LoggingConfiguration).toMatchObject({
      Level: 'ALL',
      IncludeExecutionData: false,
    });
    expect(machine?.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('walks the phases in order, with the grace period as a Wait on $.graceSeconds', () => {
    expect(mainPath()).toEqual([
      'Start',
      'StorePending',
      'AddPassword',
      'UpdateSentinels',
      'Verify',
      'Publish',
      'WaitGrace',
      'RemoveOld',
      'Finish',
      'Succeed',
    ]);
    expect(definition.States.WaitGrace).toEqual({
      Type: 'Wait',
      SecondsPath: '$.graceSeconds',
      Next: 'RemoveOld',
    });
  });

  it('calls the rotation function directly with the contract payload of each step', () => {
    const common = {
      'cluster.$': '$.cluster',
      'rotationId.$': '$.rotationId',
      'actor.$': '$.actor',
      'isForced.$': '$.isForced',
    };
    expect(definition.States.Start?.Parameters).toEqual({
      action: 'start',
      'request.$': '$$.Execution.Input',
      ...common,
    });
    for (const step of ROTATION_STEPS) {
      const state = definition.States[step.state];
      expect(state?.Resource, step.state).toBe(FUNCTION_ARN);
      expect(state?.Parameters, step.state).toEqual({
        action: 'advance',
        expectedPhase: step.expectedPhase,
        ...common,
      });
    }
    expect(definition.States.RollBack?.Parameters).toEqual({
      action: 'rollback',
      'failure.$': '$.error',
      ...common,
    });
  });

  it('never retries refusals, locks, conflicts, bad input and a step the core rolled back, waits patiently for ElastiCache, and retries the rest with full jitter', () => {
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Task') continue;
      const [first, notReady, second, ...rest] = state.Retry ?? [];
      expect(first, name).toEqual({
        ErrorEquals: [
          'RotationRefused',
          'RotationLocked',
          'StateConflict',
          'BadRotationTaskInput',
          'RotationStepFailed',
        ],
        MaxAttempts: 0,
      });
      // Before the generic retry, which would give up after a minute and roll back.
      expect(notReady, name).toEqual({
        ErrorEquals: [ROTATION_NOT_READY],
        IntervalSeconds: 15,
        BackoffRate: 1.5,
        MaxAttempts: 32,
        MaxDelaySeconds: 120,
      });
      expect(second, name).toMatchObject({
        ErrorEquals: ['States.TaskFailed'],
        JitterStrategy: 'FULL',
      });
      expect(rest, name).toEqual([]);
    }
  });

  it('rolls back a failure before Publish and calls for attention at or after it', () => {
    const catchTarget = (name: string) =>
      definition.States[name]?.Catch?.find((c) => c.ErrorEquals.includes('States.ALL'))?.Next;
    for (const name of ['Start', 'StorePending', 'AddPassword', 'UpdateSentinels', 'Verify'])
      expect(catchTarget(name), name).toBe('RollBack');
    for (const name of ['Publish', 'RemoveOld', 'Finish'])
      expect(catchTarget(name), name).toBe('NeedsAttention');
    expect(definition.States.RollBack?.Next).toBe('RolledBack');
    expect(catchTarget('RollBack')).toBe('NeedsAttention');
    expect(definition.States.Start?.Catch?.[0]).toMatchObject({
      ErrorEquals: ['RotationRefused', 'RotationLocked', 'StateConflict', 'BadRotationTaskInput'],
      Next: 'NotStarted',
    });
    const maxAttempts = (name: string) => definition.States[name]?.Retry?.[2]?.MaxAttempts ?? 0;
    expect(maxAttempts('Publish')).toBeGreaterThan(maxAttempts('Verify'));
    for (const [name, error] of [
      ['RolledBack', 'RolledBack'],
      ['NeedsAttention', 'NeedsAttention'],
      ['NotStarted', 'NotStarted'],
    ])
      expect(definition.States[name as string]).toMatchObject({ Type: 'Fail', Error: error });
  });

  it('spells the phases as functions/core/rotation.ts does', () => {
    const phases: RotationPhaseName[] = Object.values(RotationPhase);
    for (const step of ROTATION_STEPS) {
      expect(phases).toContain(step.expectedPhase);
      expect(phases).toContain(step.phase);
    }
  });

  it('stops retrying on every name the rotation function gives an error no retry can fix', () => {
    expect(Object.values(RotationTaskError)).toEqual(
      expect.arrayContaining(Object.values(RotationTaskErrorName)),
    );
  });

  it('waits on the very name the rotation function gives a step ElastiCache is still applying', () => {
    expect(RotationNotReadyError.errorName).toBe(ROTATION_NOT_READY);
  });
});

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type LocalResult = ReturnType<LocalHandlers[string]>;

/** A stub rotation function honouring the contract; `failAt` makes one step throw. */
function stubTasks(failAt?: { state: string; name: string; times: number }) {
  const calls: { state: string; input: RotationTaskInput }[] = [];
  const phaseAfter: Record<string, RotationPhaseName> = {
    Start: 'started',
    RollBack: 'rolled-back',
    ...Object.fromEntries(ROTATION_STEPS.map((s) => [s.state, s.phase])),
  };
  let failuresLeft = failAt?.times ?? 0;
  const handlers: LocalHandlers = Object.fromEntries(
    Object.keys(phaseAfter).map((state) => [
      state,
      (input: unknown): LocalResult => {
        const task = input as RotationTaskInput;
        calls.push({ state, input: task });
        if (failAt?.state === state && failuresLeft > 0) {
          failuresLeft -= 1;
          throw Object.assign(new Error(`${state} failed`), { name: failAt.name });
        }
        const { cluster, rotationId, actor, isForced } = task;
        const phase = phaseAfter[state] as RotationPhaseName;
        const output: RotationTaskOutput = {
          cluster,
          rotationId,
          actor,
          isForced,
          phase,
          graceSeconds: 30,
        };
        return output as unknown as LocalResult;
      },
    ]),
  );
  return { calls, handlers };
}

async function runLocally(failAt?: { state: string; name: string; times: number }) {
  const local = new LocalStateMachine(definition as never, {
    validationOptions: { checkArn: false },
  });
  const { calls, handlers } = stubTasks(failAt);
  const retryIntervalOverrides = Object.fromEntries(
    Object.keys(handlers).map((state) => [state, 0]),
  );
  const execution = local.run(
    { cluster: 'sessions', rotationId: 'r-1', actor: 'test', isForced: false, gracePeriodMs: 5000 },
    {
      overrides: {
        taskResourceLocalHandlers: handlers,
        waitTimeOverrides: { WaitGrace: 0 },
        retryIntervalOverrides,
      },
    },
  );
  // A Fail state's Error is the name of the ExecutionError's cause.
  const outcome = await execution.result.then(
    (output) => ({ output, failure: undefined }),
    (error: Error) => ({ output: undefined, failure: (error.cause as Error | undefined)?.name }),
  );
  return { calls, ...outcome };
}

describe('rotation state machine run offline with stub tasks', () => {
  it('chains each task output into the next input and ends completed', async () => {
    const { calls, output } = await runLocally();
    expect(calls.map((c) => c.state)).toEqual(['Start', ...ROTATION_STEPS.map((s) => s.state)]);
    expect(calls.every((c) => c.input.rotationId === 'r-1' && c.input.cluster === 'sessions')).toBe(
      true,
    );
    expect(output).toMatchObject({ phase: 'completed', rotationId: 'r-1' });
    const start = calls[0]?.input;
    expect(start?.action === 'start' && start.request.gracePeriodMs).toBe(5000);
  });

  it('retries a transient failure before Publish and carries on', async () => {
    const { calls, output } = await runLocally({ state: 'AddPassword', name: 'Error', times: 2 });
    expect(calls.filter((c) => c.state === 'AddPassword')).toHaveLength(3);
    expect(output).toMatchObject({ phase: 'completed' });
  });

  it('rolls back once retries before Publish are spent, and fails RolledBack', async () => {
    const { calls, failure } = await runLocally({ state: 'Verify', name: 'Error', times: 99 });
    expect(calls.filter((c) => c.state === 'Verify')).toHaveLength(5);
    const rollBack = calls.find((c) => c.state === 'RollBack')?.input;
    expect(rollBack).toMatchObject({ action: 'rollback', rotationId: 'r-1' });
    expect(rollBack && 'failure' in rollBack && rollBack.failure.Error).toBe('Error');
    expect(calls.map((c) => c.state)).not.toContain('Publish');
    expect(failure).toBe('RolledBack');
  });

  it('sends a step the core already rolled back straight to RollBack, without retries', async () => {
    const { calls, failure } = await runLocally({
      state: 'AddPassword',
      name: 'RotationStepFailed',
      times: 1,
    });
    expect(calls.map((c) => c.state)).toEqual(['Start', 'StorePending', 'AddPassword', 'RollBack']);
    expect(failure).toBe('RolledBack');
  });

  it('does not retry a refused start and changes nothing', async () => {
    const { calls, failure } = await runLocally({
      state: 'Start',
      name: 'RotationRefused',
      times: 1,
    });
    expect(calls.map((c) => c.state)).toEqual(['Start']);
    expect(failure).toBe('NotStarted');
  });

  it('rolls forward after Publish: never rolls back, calls for attention when retries run out', async () => {
    const { calls, failure } = await runLocally({ state: 'RemoveOld', name: 'Error', times: 99 });
    expect(calls.filter((c) => c.state === 'RemoveOld')).toHaveLength(13);
    expect(calls.map((c) => c.state)).not.toContain('RollBack');
    expect(failure).toBe('NeedsAttention');
  });
});
