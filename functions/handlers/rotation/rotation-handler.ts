// The rotation Lambda: one task of the Step Functions rotation (start, advance, rollback) through
// runRotationTask, or the rotation-check schedule. A thin middy stack: Powertools Logger (cluster
// and the rotation id as correlation id on every line), Metrics (EMF, service dimension only),
// an AbortSignal shortly before the deadline. Never logs, returns or throws a secret.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Inventory } from '../../core/inventory';
import type { Logger, RotationStarter } from '../../core/ports';
import { parseRotationTaskInput, type RotationTaskOutput } from '../../core/rotation-task-input';
import type { RotationPhaseDeps } from '../../control/rotation-phase';
import { runRotationTask } from '../../control/rotation-task';
import {
  ControlPlaneMetric,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../../../lib/control-plane-metrics';
import {
  GRACE_PERIOD_RUNNING,
  ROTATION_NOT_READY,
  RotationTaskError,
} from '../../../lib/rotation-contract';
import { PowertoolsLoggerAdapter } from '../shared/powertools-logger';
import { badInput, parseRotationEvent, type TaskEvent } from './rotation-event';
import { startDueRotations, type ScheduleOutcome } from './rotation-schedule';

/** What the handler runs on; built once per Lambda environment, on the first event. */
export interface RotationHandlerDeps {
  /** The inventory the function was deployed with. */
  readonly inventory: Inventory;
  /** The control plane's ports and randomness, for one phase per task. */
  readonly control: RotationPhaseDeps;
  /** Starts executions (the `schedule` action only). */
  readonly starter: RotationStarter;
  /** A new rotation id, the execution's name (the `schedule` action only). */
  readonly newRotationId: () => string;
}

/** Builds the dependencies, logging through `logger` (the handler's Powertools Logger). */
export type RotationDepsFactory = (logger: Logger) => RotationHandlerDeps;

export interface RotationHandlerOptions {
  /** Default: a Logger for service `redis-ha` (level from POWERTOOLS_LOG_LEVEL). */
  readonly logger?: PowertoolsLogger;
  /** Default: Metrics in namespace `redis-ha`, service `redis-ha` (lib/control-plane-metrics.ts). */
  readonly metrics?: Metrics;
  /** The AbortSignal fires this long before the Lambda's deadline: no step starts after it. */
  readonly timeoutEarlyMs?: number;
}

/** What the handler returns: a task's output (the next state's input), or a schedule's outcome. */
export type RotationHandlerResult = RotationTaskOutput | ScheduleOutcome;

/** An error a task fails with on purpose, named for the state machine's Retry and Catch. */
class RotationTaskFailure extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The rotation function's handler on the dependencies `depsFactory` builds. */
export function createRotationHandler(
  depsFactory: RotationDepsFactory,
  options: RotationHandlerOptions = {},
) {
  const logger = options.logger ?? new PowertoolsLogger({ serviceName: SERVICE_NAME });
  const metrics =
    options.metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  // Flushed only when a task recorded one: Powertools' logMetrics would log a warning for every
  // other task (most tasks record none).
  const flushMetrics = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  let deps: RotationHandlerDeps | undefined;

  const runTask = async (task: TaskEvent, signal: AbortSignal): Promise<RotationTaskOutput> => {
    const { control, inventory } = (deps ??= depsFactory(new PowertoolsLoggerAdapter(logger)));
    logger.appendKeys({ cluster: task.cluster });
    logger.setCorrelationId(task.rotationId);
    const cluster = inventory.clusters.find((c) => c.name === task.cluster);
    if (!cluster) throw badInput(`cluster: ${task.cluster} is not in the inventory`);
    logger.info('rotation task', {
      action: task.action,
      ...(task.expectedPhase ? { expectedPhase: task.expectedPhase } : {}),
      ...(task.failureName ? { failure: task.failureName } : {}),
    });
    if (task.action === 'rollback') {
      // A start that never committed left no record: nothing to undo but its lock, if taken.
      if (!(await control.state.getRotation(cluster.name, task.rotationId))) {
        const { rotationId, actor, isForced } = parseRotationTaskInput(task.input);
        await control.state.releaseLock(cluster.name, rotationId);
        return {
          cluster: cluster.name,
          rotationId,
          actor,
          isForced,
          phase: 'rolled-back',
          graceSeconds: 0,
        };
      }
    }
    const output = await runRotationTask(task.input, cluster, control, { signal });
    logger.info('rotation task done', { phase: output.phase, graceSeconds: output.graceSeconds });
    if (task.action === 'rollback' && output.phase === 'rolled-back')
      metrics.addMetric(ControlPlaneMetric.rotationsFailed, MetricUnit.Count, 1);
    if (task.action !== 'advance') return output;
    // runRotationTask settles a failed step before Publish itself (the record turns
    // `rolling-back`, or `rolled-back` when nothing reached Redis) and returns it. The state
    // machine routes failures through Catch → RollBack, so fail the task by a name it does not
    // retry: a retry would only find the same record.
    if (output.phase === 'rolling-back' || output.phase === 'rolled-back') {
      const record = await control.state.getRotation(cluster.name, task.rotationId);
      throw new RotationTaskFailure(
        RotationTaskError.stepFailed,
        `rotation ${task.rotationId} of ${cluster.name} failed before publishing and is ${output.phase}: ${record?.error ?? 'see its journal'}`,
      );
    }
    // RemoveOld inside the grace period (WaitGrace ended early): nothing done, retry later.
    if (output.phase === task.expectedPhase && output.graceSeconds > 0)
      throw new RotationTaskFailure(
        GRACE_PERIOD_RUNNING,
        `rotation ${task.rotationId} of ${cluster.name}: the grace period runs for ${output.graceSeconds} s more`,
      );
    return output;
  };

  const handle = async (
    event: unknown,
    context: Context,
    { signal }: { signal: AbortSignal },
  ): Promise<RotationHandlerResult> => {
    const parsed = parseRotationEvent(event);
    if (parsed.action !== 'schedule') return runTask(parsed, signal);
    const { control, inventory, starter, newRotationId } = (deps ??= depsFactory(
      new PowertoolsLoggerAdapter(logger),
    ));
    logger.setCorrelationId(context.awsRequestId);
    return startDueRotations(inventory, {
      state: control.state,
      clock: control.clock,
      logger: control.logger,
      starter,
      newRotationId,
    });
  };

  return middy(handle, { timeoutEarlyInMillis: options.timeoutEarlyMs ?? 10_000 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      after: flushMetrics,
      onError: flushMetrics,
    })
    .use({
      // Powertools logs nothing of a failure by itself: one line with its name (the error type
      // Step Functions matches) and its message, which the core keeps free of secrets.
      onError: (request) => {
        const error = request.error;
        // ElastiCache still applying a change: the state machine looks again later.
        if (error?.name === ROTATION_NOT_READY) {
          logger.info('rotation task waiting', { error: error.message });
          return;
        }
        logger.error('rotation task failed', {
          errorName: error?.name,
          error: error?.message,
        });
      },
    });
}
