// EventLog on the state table: every published event, kept 30 days, so `redis-ha events --backend
// aws` can read back what went to SNS (which cannot be read back). Never holds a secret (events
// carry none). Single-item conditional writes only, like the state store (no transactions).
//
// Items (beside the state store's, see dynamodb-state-table.ts):
//   pk                  sk                item
//   events#<YYYY-MM>    <time>#<id>       the event (`event`: its JSON), `subject`, `type`,
//                                         `deliveries` (ADDed at every append)
//   event#<id>          log               where the event's log item is (`logPk`, `logSk`)
// Both carry `expiresAtSeconds` (TTL) = the event's time + 30 days; reads skip expired items,
// since TTL deletes lazily. Events are ordered by time (the local log: by append order); events
// of the same millisecond come in id order.
//
// Why one partition per month: reading the newest events is one Query newest-first (two around
// a month's start), with no index. Writes then all go to the current month's partition; that is
// fine because events are transitions (a failover, a health change, a rotation step), not ticks:
// even 10,000 clusters failing at once write ~30,000 items, which one partition (1,000 writes/s,
// plus adaptive capacity) absorbs in well under a minute while the SDK retries throttling, and a
// failed append never blocks publishing (the recording bus logs it). If that ever stops being
// enough, shard the pk (`events#<YYYY-MM>#<hash(id) % n>`) and read the n partitions.
//
// Why a second item per event: the same event id may come back with another time (rebuilt after
// a crash), so the log item's key cannot be derived from the event alone. The `event#<id>` item
// is claimed first (conditional put) and names the log item; a repeat finds it there. A crash
// between the two writes is repaired by the next append of that id (the log write is an upsert).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RedisHaError } from '../../core/errors';
import type { CloudEvent } from '../../core/events';
import type { Clock, EventLog, EventLogQuery, LoggedEventEntry } from '../../core/ports';
import { awsClientConfig, type AwsClientOptions } from './aws-clients';
import {
  STATE_TABLE_KEYS,
  StateTable,
  type Expression,
  type ItemKey,
} from './dynamodb-state-table';

const TTL = STATE_TABLE_KEYS.timeToLiveAttribute;
const DAY_MS = 86_400_000;
/** How long events are kept by default: 30 days from their time. */
export const EVENT_RETENTION_MS = 30 * DAY_MS;

/** Where the event log's items live in the state table (see the table above). */
export const eventLogKeys = {
  /** The partition of the events whose time falls in `month` (`YYYY-MM`, UTC). */
  monthPartition: (month: string) => `events#${month}`,
  entry: (event: CloudEvent): ItemKey => ({
    pk: `events#${eventMonth(event)}`,
    sk: `${event.time}#${event.id}`,
  }),
  marker: (id: string): ItemKey => ({ pk: `event#${id}`, sk: 'log' }),
};

export interface DynamoDbEventLogOptions {
  readonly tableName: string;
  /** A client to use as is (shared, or mocked in tests); else one is built from `client`. */
  readonly dynamodb?: DynamoDBClient;
  /** How to build the client when `dynamodb` is not given. */
  readonly client?: AwsClientOptions;
  /** How long an event is kept, from its time. Default: 30 days. */
  readonly retentionMs?: number;
  /** Reads skip events past their retention at this clock's time. Default: the system clock. */
  readonly clock?: Clock;
}

export class DynamoDbEventLog implements EventLog {
  private readonly table: StateTable;
  private readonly retentionMs: number;
  private readonly clock: Clock;

  constructor(options: DynamoDbEventLogOptions) {
    if (!options.tableName) {
      throw new RedisHaError('BAD_OPTIONS', 'DynamoDbEventLog: tableName is required');
    }
    const client = options.dynamodb ?? new DynamoDBClient(awsClientConfig(options.client));
    this.table = new StateTable(
      options.tableName,
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    );
    this.retentionMs = options.retentionMs ?? EVENT_RETENTION_MS;
    this.clock = options.clock ?? { now: () => new Date() };
  }

  async append(event: CloudEvent): Promise<void> {
    const expiresAtSeconds = Math.floor((Date.parse(event.time) + this.retentionMs) / 1000);
    const fresh = eventLogKeys.entry(event);
    const marker = eventLogKeys.marker(event.id);
    const isFirst = await this.table.put(
      {
        ...marker,
        kind: 'event-log-marker',
        logPk: fresh.pk,
        logSk: fresh.sk,
        [TTL]: expiresAtSeconds,
      },
      { expression: 'attribute_not_exists(pk)' },
    );
    const found = isFirst ? undefined : await this.table.get(marker);
    const key: ItemKey = found
      ? { pk: String(found.logPk), sk: String(found.logSk) }
      : { pk: fresh.pk, sk: fresh.sk };
    // An upsert: the first append writes the event, a repeat only counts (and repairs a log
    // item a crash left unwritten after its marker).
    await this.table.update(key, {
      expression:
        'SET kind = :kind, #event = if_not_exists(#event, :event), subject = if_not_exists(subject, :subject), #type = if_not_exists(#type, :type), #ttl = if_not_exists(#ttl, :ttl) ADD deliveries :one',
      names: { '#event': 'event', '#type': 'type', '#ttl': TTL },
      values: {
        ':kind': 'event',
        ':event': JSON.stringify(event),
        ':subject': event.subject,
        ':type': event.type,
        ':ttl': expiresAtSeconds,
        ':one': 1,
      },
    });
  }

  async read(query: EventLogQuery): Promise<LoggedEventEntry[]> {
    if (query.limit <= 0) return [];
    const now = this.clock.now();
    const filter = readFilter(query, Math.floor(now.getTime() / 1000));
    const newestFirst: LoggedEventEntry[] = [];
    // A clock a little ahead of ours may have written into the next month already.
    for (const month of monthsBetween(
      new Date(now.getTime() - this.retentionMs),
      new Date(now.getTime() + DAY_MS),
    ).reverse()) {
      const items = await this.table.query({
        pk: eventLogKeys.monthPartition(month),
        filter,
        isNewestFirst: true,
        limit: query.limit - newestFirst.length,
      });
      for (const item of items) {
        newestFirst.push({
          event: JSON.parse(String(item.event)) as CloudEvent,
          deliveries: Number(item.deliveries ?? 1),
        });
      }
      if (newestFirst.length >= query.limit) break;
    }
    return newestFirst.reverse();
  }
}

/** Not expired (TTL deletes lazily), and the query's cluster and type. */
function readFilter(query: EventLogQuery, nowSeconds: number): Expression {
  const terms = ['#ttl > :nowSeconds', 'attribute_exists(#event)'];
  const values: Record<string, unknown> = { ':nowSeconds': nowSeconds };
  const names: Record<string, string> = { '#ttl': TTL, '#event': 'event' };
  if (query.cluster !== undefined) {
    terms.push('subject = :subject');
    values[':subject'] = query.cluster;
  }
  if (query.type !== undefined) {
    terms.push('#type = :type');
    names['#type'] = 'type';
    values[':type'] = query.type;
  }
  return { expression: terms.join(' AND '), names, values };
}

/** `YYYY-MM` (UTC) of the event's time; a time that is not one is refused, naming the event. */
function eventMonth(event: CloudEvent): string {
  const time = new Date(event.time);
  if (Number.isNaN(time.getTime())) {
    throw new RedisHaError(
      'BAD_EVENT',
      `event ${event.id}: time ${JSON.stringify(event.time)} is not an ISO 8601 time`,
    );
  }
  return time.toISOString().slice(0, 7);
}

/** Every `YYYY-MM` from `from`'s month to `to`'s, oldest first. */
function monthsBetween(from: Date, to: Date): string[] {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor.getTime() <= to.getTime()) {
    months.push(cursor.toISOString().slice(0, 7));
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}
