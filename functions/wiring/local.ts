// The composition root of the local runtime: the control plane wired to the local backend
// (SQLite) and ioredis. The CLI, the tests and the benchmarks build their dependencies here
// instead of re-wiring them; it never reads the environment (callers pass what they read).
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type LocalBackend } from '../adapters/local/local-backend';
import { IoredisGateway } from '../adapters/redis/ioredis-gateway';
import { elastiCacheApis } from './elasticache';
import { RedisHaError } from '../core/errors';
import { noFaults, type FaultPoint } from '../control/fault-points';
import type { ControlDeps } from '../control/reconcile';
import { DEFAULT_PROBE_CONCURRENCY } from '../control/reconcile-all';
import { isLocalHolderGone, localHolder } from '../core/rotation-holder';
import type { RotationHolders } from '../control/rotation-lock';
import type { RotationDeps } from '../control/rotation-runner';

/** What a caller chooses when wiring the local control plane; the rest is fixed here. */
export type LocalWiringOptions = Pick<ControlDeps, 'logger' | 'source'> &
  Partial<Pick<ControlDeps, 'faults' | 'hooks' | 'elasticache'>>;

/**
 * REDIS_HA_PROBE_CONCURRENCY from `env` (the CLI's, a benchmark's): a whole number from 1, or
 * DEFAULT_PROBE_CONCURRENCY when unset or empty. Anything else throws, naming the variable.
 */
export function probeConcurrencyFrom(env: NodeJS.ProcessEnv): number {
  const raw = env.REDIS_HA_PROBE_CONCURRENCY;
  if (raw === undefined || raw.trim() === '') return DEFAULT_PROBE_CONCURRENCY;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RedisHaError(
      'BAD_ENVIRONMENT',
      `REDIS_HA_PROBE_CONCURRENCY: expected a whole number from 1, got ${JSON.stringify(raw)}`,
    );
  return value;
}

/**
 * The fault points of a local run: kill this process for real (SIGKILL, no cleanup) at the
 * point `env.REDIS_HA_FAULT` names; none when it is unset. Tests crash the CLI this way.
 */
export function faultPointsFromEnv(env: NodeJS.ProcessEnv): FaultPoint {
  const target = env.REDIS_HA_FAULT;
  if (!target) return noFaults;
  return (name) => {
    if (name === target) process.kill(process.pid, 'SIGKILL');
  };
}

/** The control plane wired to the local backend and ioredis. */
export function localControlDeps(backend: LocalBackend, options: LocalWiringOptions): ControlDeps {
  return {
    gateway: new IoredisGateway(),
    parameters: backend.parameters,
    state: backend.state,
    events: backend.events,
    clock: systemClock,
    elasticache: elastiCacheApis(),
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
