// Runs rotation tasks as the Step Functions state machine would: every call in a "fresh Lambda"
// (a new backend opened on the same store, new dependencies, nothing kept in memory between
// calls), on a clock that a test moves forward instead of waiting out a grace period.
import { join } from 'node:path';
import { openLocalBackend, type LocalBackend } from '../../functions/adapters/local/local-backend';
import type { SentinelCluster } from '../../functions/core/inventory';
import type { RotationTaskOutput } from '../../functions/core/rotation-task-input';
import type { FaultPoint } from '../../functions/control/fault-points';
import { runRotationTask } from '../../functions/control/rotation-task';
import { localRotationDeps } from '../../functions/wiring/local';
import {
  clusterFor,
  controlDepsFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  type Harness,
  type Topology,
} from './topology';
import { reconcileCluster } from '../../functions/control/reconcile';

export interface TaskBench {
  readonly cluster: SentinelCluster;
  /** A backend for the test's own looks at the store (the tasks open their own). */
  readonly backend: LocalBackend;
  /** Runs one task in fresh dependencies; `faults` for this call only. */
  task(input: Record<string, unknown>, faults?: FaultPoint): Promise<RotationTaskOutput>;
  /** Moves the tasks' clock forward (a Wait state). */
  wait(seconds: number): void;
  /** Every log line the tasks wrote. */
  readonly logs: string[];
}

/** A primed store for `topology` and a way to run tasks against it. */
export async function taskBench(harness: Harness, topology: Topology): Promise<TaskBench> {
  const dir = harness.tempDir();
  const backend = harness.backend(dir);
  await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  const cluster = clusterFor(topology);
  await reconcileCluster(cluster, controlDepsFor(backend));
  let offsetMs = 0;
  const logs: string[] = [];
  return {
    cluster,
    backend,
    logs,
    wait: (seconds) => {
      offsetMs += seconds * 1000;
    },
    task: async (input, faults) => {
      const fresh = openLocalBackend(join(dir, 'store'));
      const base = controlDepsFor(fresh, {
        clock: { now: () => new Date(Date.now() + offsetMs) },
        ...(faults ? { faults } : {}),
      });
      try {
        return await runRotationTask(input, cluster, localRotationDeps(base));
      } finally {
        logs.push(base.log.text());
        fresh.close();
      }
    },
  };
}
