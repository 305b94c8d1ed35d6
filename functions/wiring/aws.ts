// The composition root of the AWS runtime: the control plane wired to SSM Parameter Store, SNS,
// DynamoDB and ioredis. The probe and rotation functions and `redis-ha --backend aws` build their
// dependencies here; with the local wiring it is the only code that reads the environment, and
// it reads only what its callers hand it (a Lambda's `process.env`, the CLI's env).
import { readFileSync } from 'node:fs';
import type { AwsClientOptions } from '../adapters/aws/aws-clients';
import { DynamoDbEventLog } from '../adapters/aws/dynamodb-event-log';
import { DynamoDbStateStore } from '../adapters/aws/dynamodb-state-store';
import { SnsEventBus } from '../adapters/aws/sns-event-bus';
import { SsmParameterStore } from '../adapters/aws/ssm-parameter-store';
import { IoredisGateway } from '../adapters/redis/ioredis-gateway';
import { elastiCacheApis } from './elasticache';
import { RedisHaError } from '../core/errors';
import { AwsEnv } from './aws-env';
import type { CloudEvent } from '../core/events';
import type { Inventory } from '../core/inventory';
import type { Clock, EventBus, EventLog, Logger } from '../core/ports';
import type { ControlDeps } from '../control/reconcile';

export { AwsEnv } from './aws-env';

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

/**
 * The control plane wired to SSM, SNS, DynamoDB and ioredis. Every event (reconcile, rotation)
 * goes to SNS, then into the event log on the state table, for `redis-ha events --backend aws`.
 */
export function awsControlDeps(settings: AwsSettings, options: AwsWiringOptions): ControlDeps {
  const { client, ...rest } = options;
  const clientOption = client ? { client } : {};
  return {
    gateway: new IoredisGateway(),
    parameters: new SsmParameterStore({ kmsKeyId: settings.kmsKey, ...clientOption }),
    state: new DynamoDbStateStore({ tableName: settings.stateTable, ...clientOption }),
    events: new RecordingEventBus(
      new SnsEventBus({ topicArn: settings.eventTopic, ...clientOption }),
      new DynamoDbEventLog({ tableName: settings.stateTable, ...clientOption }),
      options.logger,
    ),
    clock: systemClock,
    elasticache: elastiCacheApis(client),
    ...rest,
  };
}

/**
 * Publishes to the bus, then records the event in the log. Subscribers come first: a publish that
 * fails rejects (so the caller never marks the event published) and records nothing; an append
 * that fails is logged and swallowed, never undoing or failing a publish that happened.
 */
export class RecordingEventBus implements EventBus {
  constructor(
    private readonly bus: EventBus,
    private readonly log: EventLog,
    private readonly logger: Logger,
  ) {}

  async publish(event: CloudEvent): Promise<void> {
    await this.bus.publish(event);
    try {
      await this.log.append(event);
    } catch (error) {
      this.logger.warn('event published but not recorded in the event log', {
        cluster: event.subject,
        eventId: event.id,
        type: event.type,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/**
 * Parameter Store for `redis-ha params --backend aws`. `kmsKey` is needed only to write a
 * SecureString; without it the store reads and writes Strings, and refuses a secure write
 * (rather than let SSM encrypt it under its default key).
 */
export function awsParameterStore(
  kmsKey: string | undefined,
  client?: AwsClientOptions,
): SsmParameterStore {
  const clientOption = client ? { client } : {};
  return kmsKey
    ? new SsmParameterStore({ kmsKeyId: kmsKey, ...clientOption })
    : new KeylessSsmParameterStore({ kmsKeyId: 'alias/aws/ssm', ...clientOption });
}

/** SSM without the deployment's key: the key given to the adapter is never sent. */
class KeylessSsmParameterStore extends SsmParameterStore {
  override async put(
    name: string,
    value: string,
    options: { readonly isSecure: boolean },
  ): Promise<number> {
    if (options.isSecure)
      throw new RedisHaError(
        'BAD_OPTIONS',
        `parameter ${name}: a SecureString is encrypted under the deployment's KMS key, and none was given (${AwsEnv.kmsKey})`,
      );
    return super.put(name, value, options);
  }
}

/** The state store and event log of one deployment's table, for `redis-ha --backend aws`. */
export function awsTableStores(
  stateTable: string,
  client?: AwsClientOptions,
): { readonly state: DynamoDbStateStore; readonly events: DynamoDbEventLog } {
  const clientOption = client ? { client } : {};
  return {
    state: new DynamoDbStateStore({ tableName: stateTable, ...clientOption }),
    events: new DynamoDbEventLog({ tableName: stateTable, ...clientOption }),
  };
}
