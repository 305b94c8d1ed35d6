// The composition root of the local runtime: the control plane wired to the local backend
// (SQLite) and ioredis. The CLI, the tests and the benchmarks build their dependencies here
// instead of re-wiring them; it never reads the environment (callers pass what they read).
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type LocalBackend } from '../adapters/local/local-backend';
import { IoredisGateway } from '../adapters/redis/ioredis-gateway';
import type { ControlDeps } from '../control/reconcile';
import { isLocalHolderGone, localHolder } from '../core/rotation-holder';
import type { RotationHolders } from '../control/rotation-lock';
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

/**
 * Rotation lock holders of this process: `host:pid:uuid`, one per runner; a holder on this host
 * whose process is gone (SIGKILL, crash) provably died, so its lock may be taken over at once.
 */
export function localRotationHolders(): RotationHolders {
  const self = { host: hostname(), pid: process.pid };
  return {
    next: () => localHolder(self.host, self.pid, randomUUID()),
    isGone: (holder) =>
      isLocalHolderGone(holder, self, (pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch (error) {
          return (error as NodeJS.ErrnoException).code !== 'ESRCH';
        }
      }),
  };
}

/**
 * `base` plus what a rotation needs: real randomness, a sleep that stops on abort, and lock
 * holders named for this process.
 */
export function localRotationDeps<Base extends ControlDeps>(base: Base): Base & RotationDeps {
  return {
    ...base,
    randomBytes: (size) => randomBytes(size),
    holders: localRotationHolders(),
    sleep: async (ms, signal) => {
      await sleep(ms, undefined, signal ? { signal } : {});
    },
  };
}
