// The rotation as a Step Functions definition: one Lambda task per phase, a Wait state for the
// grace period, retries with full jitter, rollback before Publish and roll forward after it.
// JSONPath, not JSONata, so the synthesized definition runs offline in aws-local-stepfunctions.
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Chain,
  Fail,
  JitterType,
  JsonPath,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
  type IChainable,
  type RetryProps,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  ROTATION_NOT_READY,
  ROTATION_STEPS,
  RotationFailure,
  RotationTaskError,
  START_REFUSALS,
  type RotationTaskAction,
} from './rotation-contract';

/** Errors that no retry can change (lib/rotation-contract.ts). */
const NON_RETRYABLE: RetryProps = {
  errors: Object.values(RotationTaskError),
  maxAttempts: 0,
};

/**
 * Before Publish a step that keeps failing is rolled back, so give up after about a minute:
 * the old password stays the only one meanwhile. What is retried is a task that died or could
 * not reach its store (a crash, a throttled or failing AWS call, a lost lease); a step that
 * failed on Redis is settled by the core at once (the record turns `rolling-back`) and the task
 * fails `RotationStepFailed`, which NON_RETRYABLE sends straight to the Catch.
 */
export const RETRY_BEFORE_PUBLISH: RetryProps = {
  errors: ['States.TaskFailed'],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 4,
  maxDelay: Duration.seconds(30),
  jitterStrategy: JitterType.FULL,
};

/**
 * At and after Publish (and for the rollback itself) there is no way back, so keep trying for
 * about an hour before an operator is called: a Redis node or SSM throttling usually recovers.
 */
export const RETRY_ROLL_FORWARD: RetryProps = {
  errors: ['States.TaskFailed'],
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxAttempts: 12,
  maxDelay: Duration.minutes(5),
  jitterStrategy: JitterType.FULL,
};

/**
 * ElastiCache still applying a step's change (ModifyReplicationGroup, ModifyUser): look again
 * after 15 s, then less and less often, up to every 2 minutes, for about an hour in all (an AUTH
 * token change takes minutes). Each attempt is one short Lambda call: no Lambda waits. Listed
 * before the generic retry, which would give up (and roll back) after about a minute.
 */
export const RETRY_WHILE_APPLYING: RetryProps = {
  errors: [ROTATION_NOT_READY],
  interval: Duration.seconds(15),
  backoffRate: 1.5,
  maxAttempts: 32,
  maxDelay: Duration.minutes(2),
};

const ERROR_PATH = '$.error';

/**
 * The rotation's definition: Start → StorePending → AddPassword → UpdateSentinels → Verify →
 * Publish → WaitGrace → RemoveOld → Finish → Succeed, every task a call of `rotationFunction`.
 * The same machine rotates an ElastiCache group's token or RBAC password: its waits for the group
 * or user to apply a change are the tasks' `RotationNotReady` retries.
 */
export function rotationDefinition(scope: Construct, rotationFunction: IFunction): IChainable {
  const task = (id: string, action: RotationTaskAction, extra: Record<string, unknown> = {}) =>
    new LambdaInvoke(scope, id, {
      lambdaFunction: rotationFunction,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      payload: TaskInput.fromObject({
        action,
        cluster: JsonPath.stringAt('$.cluster'),
        rotationId: JsonPath.stringAt('$.rotationId'),
        actor: JsonPath.stringAt('$.actor'),
        isForced: JsonPath.stringAt('$.isForced'),
        ...extra,
      }),
    });

  const needsAttention = new Fail(scope, 'NeedsAttention', {
    error: RotationFailure.needsAttention,
    cause: 'A rotation step at or after Publish, or its rollback, kept failing; see $.error',
  });
  const rolledBack = new Fail(scope, 'RolledBack', {
    error: RotationFailure.rolledBack,
    cause: 'A step before Publish failed; the rotation was rolled back to the old password',
  });
  const notStarted = new Fail(scope, 'NotStarted', {
    error: RotationFailure.notStarted,
    cause: 'The rotation was refused or the cluster is locked by another rotation',
  });

  const rollBack = task('RollBack', 'rollback', { failure: JsonPath.objectAt(ERROR_PATH) })
    .addRetry(NON_RETRYABLE)
    .addRetry(RETRY_WHILE_APPLYING)
    .addRetry(RETRY_ROLL_FORWARD)
    .addCatch(needsAttention, { errors: ['States.ALL'], resultPath: '$.rollbackError' });
  rollBack.next(rolledBack);

  const start = task('Start', 'start', { request: JsonPath.objectAt('$$.Execution.Input') })
    .addRetry(NON_RETRYABLE)
    .addRetry(RETRY_WHILE_APPLYING)
    .addRetry(RETRY_BEFORE_PUBLISH)
    .addCatch(notStarted, { errors: [...START_REFUSALS], resultPath: ERROR_PATH })
    .addCatch(rollBack, { errors: ['States.ALL'], resultPath: ERROR_PATH });

  const waitGrace = new Wait(scope, 'WaitGrace', {
    time: WaitTime.secondsPath('$.graceSeconds'),
  });

  let chain = Chain.start(start);
  for (const { state, expectedPhase } of ROTATION_STEPS) {
    const isPublishedOrLater = state === 'Publish' || state === 'RemoveOld' || state === 'Finish';
    chain = chain.next(
      task(state, 'advance', { expectedPhase })
        .addRetry(NON_RETRYABLE)
        .addRetry(RETRY_WHILE_APPLYING)
        .addRetry(isPublishedOrLater ? RETRY_ROLL_FORWARD : RETRY_BEFORE_PUBLISH)
        .addCatch(isPublishedOrLater ? needsAttention : rollBack, {
          errors: ['States.ALL'],
          resultPath: ERROR_PATH,
        }),
    );
    if (state === 'Publish') chain = chain.next(waitGrace);
  }
  return chain.next(new Succeed(scope, 'Succeed'));
}
