// The composition root of the local runtime: the control plane wired to the local backend
// (SQLite) and ioredis. The CLI, the tests and the benchmarks build their dependencies here
// instead of re-wiring them; it never reads the environment (callers pass what they read).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type LocalBackend } from '../adapters/local/local-backend';
import { IoredisGateway } from '../adapters/redis/ioredis-gateway';
import type { ControlDeps } from '../control/reconcile';
import type { RotationDeps } from '../control/rotation-runner';

/** What a caller chooses when wiring the local control plane; the rest is fixed here. */
export type LocalWiringOptions = Pick<ControlDeps, 'logger' | 'source'> &
  Partial<Pick<ControlDeps, 'faults' | 'hooks'>>;

/** The control plane wired to the local backend and ioredis. */
export function localControlDeps(backend: LocalBackend, options: LocalWiringOptions): ControlDeps {
  return {
    gateway: new IoredisGateway(),
    parameters: backend.parameters,
    state: backend.state,
    events: backend.events,
    clock: systemClock,
    ...options,
  };
}

/** `base` plus what a rotation needs: real randomness and a sleep that stops on abort. */
export function localRotationDeps<Base extends ControlDeps>(base: Base): Base & RotationDeps {
  return {
    ...base,
    randomBytes: (size) => randomBytes(size),
    sleep: async (ms, signal) => {
      await sleep(ms, undefined, signal ? { signal } : {});
    },
  };
}
