// The environment the API reads, and the small helpers its AWS wiring shares. No SDK import here:
// this module is part of the cold start.
import { RedisHaError } from '../../core/errors';

/** The environment variables the API reads (set by lib/redis-ha-control-plane.ts). */
export const ApiEnv = {
  stateTable: 'STATE_TABLE_NAME',
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  stateMachine: 'STATE_MACHINE_ARN',
  probeFunction: 'PROBE_FUNCTION_NAME',
  inventory: 'REDIS_HA_INVENTORY',
  inventoryFile: 'REDIS_HA_INVENTORY_FILE',
} as const;

export type Env = Readonly<Record<string, string | undefined>>;

export function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new RedisHaError('MISSING_CONFIGURATION', `${name} is not set`);
  return value;
}

export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
