// Rotation helpers for the integration tests: wiring a runner to the harness's backend and
// checking, against the real processes, which password each node and sentinel accepts.
import type { LocalBackend } from '../../functions/adapters/local/local-backend';
import type { SentinelCluster } from '../../functions/core/inventory';
import type { ControlDeps } from '../../functions/control/reconcile';
import {
  RotationRunner,
  type RotationDeps,
  type RotationOptions,
} from '../../functions/control/rotation-runner';
import { localRotationDeps } from '../../functions/wiring/local';
import { controlDepsFor, type Topology } from './topology';

export function runnerFor(
  cluster: SentinelCluster,
  backend: LocalBackend,
  options: Partial<RotationOptions> = {},
  overrides: Partial<ControlDeps> & Partial<Pick<RotationDeps, 'sleep'>> = {},
) {
  const deps = {
    ...localRotationDeps(controlDepsFor(backend, overrides)),
    ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
  };
  return {
    deps,
    runner: new RotationRunner(cluster, deps, {
      actor: 'test',
      waitForGrace: true,
      leaseMs: 60_000,
      gracePeriodMs: 500,
      ...options,
    }),
  };
}

/** Whether `password` is accepted by the node on `port`. */
export function accepts(topology: Topology, port: number, password: string): Promise<boolean> {
  return topology.accepts(port, password);
}

/** Restarts every node and sentinel from their (rewritten) config files. */
export async function restartAll(topology: Topology): Promise<void> {
  for (const node of topology.nodes) await topology.restartWith(node);
  for (const sentinel of topology.sentinels) await topology.restartWith(sentinel);
}
