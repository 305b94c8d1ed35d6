// The API's dependencies on AWS, built lazily from the environment the construct sets: nothing
// is read or constructed while the module loads. Each port is a stand-in that loads its module
// (aws-dynamodb.ts, aws-sfn.ts, ...: the SDK client it needs) with a dynamic import on its first
// call, so a cold start evaluates no SDK code and a request loads only the clients it uses.
// It stays beside the handler rather than in functions/wiring/aws.ts: it builds the handler's own
// ApiDeps (wiring may not import handlers), and its per-client dynamic imports are what keeps
// the API's cold start under 100 ms, which the eager wiring of the other functions would undo.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { apiInventorySchema, fieldErrors, type ApiInventory } from '../../core/api-schemas';
import { RedisHaError } from '../../core/errors';
import type { ProbeInvoker, RotationStarter, StateStore } from '../../core/ports';
import type { ApiDeps, ApiLogger } from './api';
import { ApiEnv, type Env } from './aws-env';

const INVENTORY = ApiEnv.inventory;
const INVENTORY_FILE = ApiEnv.inventoryFile;

export function awsDeps(logger: ApiLogger, env: Env = process.env): ApiDeps {
  let inventory: ApiInventory | undefined;
  return {
    get inventory() {
      return (inventory ??= readInventory(env));
    },
    state: lazyPort<StateStore>(
      onceAsync(async () => (await import('./aws-dynamodb')).dynamoDbStateStore(env)),
    ),
    starter: lazyPort<RotationStarter>(
      onceAsync(async () => (await import('./aws-sfn')).sfnRotationStarter(env)),
    ),
    prober: lazyPort<ProbeInvoker>(
      onceAsync(async () => (await import('./aws-lambda')).lambdaProbeInvoker(env)),
    ),
    idempotencyStore: onceAsync(async () =>
      (await import('./aws-idempotency')).idempotencyStore(env),
    ),
    clock: { now: () => new Date() },
    newRotationId: () => randomUUID(),
    logger,
  };
}

/** `load` run once; a failure is not kept, so the next call tries again. */
function onceAsync<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}

/**
 * A port whose every method loads the real one first. Only for ports whose methods all return
 * promises (StateStore, RotationStarter, ProbeInvoker).
 */
function lazyPort<Port extends object>(load: () => Promise<Port>): Port {
  return new Proxy({} as Port, {
    get:
      (_target, method) =>
      async (...args: unknown[]): Promise<unknown> => {
        const port = (await load()) as Record<PropertyKey, (...a: unknown[]) => unknown>;
        const fn = port[method];
        if (typeof fn !== 'function')
          throw new RedisHaError('NOT_A_METHOD', `the port has no method ${String(method)}`);
        return fn.apply(port, args);
      },
  });
}

/** The cluster names of the inventory, inline (REDIS_HA_INVENTORY) or in a file of a layer. */
export function readInventory(env: Env): ApiInventory {
  const inline = env[INVENTORY];
  const file = env[INVENTORY_FILE];
  const where = inline ? INVENTORY : file;
  if (!where)
    throw new RedisHaError(
      'MISSING_CONFIGURATION',
      `neither ${INVENTORY} nor ${INVENTORY_FILE} is set`,
    );
  return parseApiInventory(inline ?? readFileSync(file as string, 'utf8'), where);
}

/** The cluster names of an inventory's JSON; a problem names the field. */
export function parseApiInventory(text: string, where: string): ApiInventory {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RedisHaError('BAD_INVENTORY', `${where}: not JSON (${(error as Error).message})`);
  }
  const result = apiInventorySchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = fieldErrors(result.error.issues).map((e) => `${e.path}: ${e.message}`);
  throw new RedisHaError('BAD_INVENTORY', `${where}: ${problems.join('; ')}`);
}
