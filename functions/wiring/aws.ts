// The composition root of the AWS runtime: the control plane wired to SSM Parameter Store, SNS,
// DynamoDB and ioredis. The probe and rotation functions and `redis-ha --backend aws` build their
// dependencies here; with the local wiring it is the only code that reads the environment, and
// it reads only what its callers hand it (a Lambda's `process.env`, the CLI's env).
import { readFileSync } from 'node:fs';
import type { AwsClientOptions } from '../adapters/aws/aws-clients';
import { DynamoDbStateStore } from '../adapters/aws/dynamodb-state-store';
import { SnsEventBus } from '../adapters/aws/sns-event-bus';
import { SsmParameterStore } from '../adapters/aws/ssm-parameter-store';
import { IoredisGateway } from '../adapters/redis/ioredis-gateway';
import { RedisHaError } from '../core/errors';
import type { Inventory } from '../core/inventory';
import type { Clock } from '../core/ports';
import type { ControlDeps } from '../control/reconcile';

/**
 * Environment variables the functions read; the CDK construct sets them (lib/
 * redis-ha-control-plane.ts `FunctionEnv`, held equal by a test).
 */
export const AwsEnv = {
  stateTable: 'STATE_TABLE_NAME',
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  eventTopic: 'EVENT_TOPIC_ARN',
  kmsKey: 'KMS_KEY_ID',
  stateMachine: 'STATE_MACHINE_ARN',
  probeFunction: 'PROBE_FUNCTION_NAME',
  inventory: 'REDIS_HA_INVENTORY',
  inventoryFile: 'REDIS_HA_INVENTORY_FILE',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Where the control plane's state, events and secrets live in one deployment. */
export interface AwsSettings {
  readonly stateTable: string;
  readonly eventTopic: string;
  readonly kmsKey: string;
}

/** The settings from `env`; a missing variable is named, all of them at once. */
export function awsSettingsFrom(env: Env): AwsSettings {
  const values = {
    stateTable: env[AwsEnv.stateTable],
    eventTopic: env[AwsEnv.eventTopic],
    kmsKey: env[AwsEnv.kmsKey],
  };
  const missing = (Object.keys(values) as (keyof typeof values)[])
    .filter((key) => !values[key])
    .map((key) => AwsEnv[key]);
  if (missing.length > 0)
    throw new RedisHaError(
      'BAD_ENVIRONMENT',
      `missing environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: the redis-ha stack sets them on its functions (see the README's deploy guide)`,
    );
  return values as AwsSettings;
}

/**
 * The inventory a function was deployed with: inline JSON, or the JSON file of the inventory
 * layer. It was validated at synth (same schema as `redis-ha validate`), defaults filled in, so
 * it is read as is; a shape that is not an inventory at all is still refused, naming the source.
 */
export function inventoryFrom(
  env: Env,
  readFile = (path: string) => readFileSync(path, 'utf8'),
): Inventory {
  const inline = env[AwsEnv.inventory];
  const file = env[AwsEnv.inventoryFile];
  const source = inline ? AwsEnv.inventory : file;
  if (!source)
    throw new RedisHaError(
      'BAD_ENVIRONMENT',
      `neither ${AwsEnv.inventory} nor ${AwsEnv.inventoryFile} is set: the redis-ha stack sets one`,
    );
  let value: unknown;
  try {
    value = JSON.parse(inline ?? readFile(source));
  } catch (error) {
    throw new RedisHaError(
      'BAD_INVENTORY',
      `${source}: not an inventory's JSON (${(error as Error).message})`,
    );
  }
  const clusters = (value as { clusters?: unknown } | null)?.clusters;
  if (
    !Array.isArray(clusters) ||
    clusters.some((c) => typeof (c as { name?: unknown })?.name !== 'string')
  )
    throw new RedisHaError('BAD_INVENTORY', `${source}: expected { clusters: [{ name, ... }] }`);
  return value as Inventory;
}

export const systemClock: Clock = { now: () => new Date() };

/** What a caller chooses when wiring the AWS control plane; the rest is fixed here. */
export type AwsWiringOptions = Pick<ControlDeps, 'logger' | 'source'> &
  Partial<Pick<ControlDeps, 'hooks' | 'clock'>> & {
    /** SDK client settings (tests point them at dynalite and loopback fakes). */
    readonly client?: AwsClientOptions;
  };

/** The control plane wired to SSM, SNS, DynamoDB and ioredis. */
export function awsControlDeps(settings: AwsSettings, options: AwsWiringOptions): ControlDeps {
  const { client, ...rest } = options;
  return {
    gateway: new IoredisGateway(),
    parameters: new SsmParameterStore({ kmsKeyId: settings.kmsKey, ...(client ? { client } : {}) }),
    state: new DynamoDbStateStore({
      tableName: settings.stateTable,
      ...(client ? { client } : {}),
    }),
    events: new SnsEventBus({ topicArn: settings.eventTopic, ...(client ? { client } : {}) }),
    clock: systemClock,
    ...rest,
  };
}
