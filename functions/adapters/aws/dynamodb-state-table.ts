// The state table: its key schema (the CDK construct and the tests create the same table), the
// item keys, and the few DynamoDB calls the state store makes. A failed condition is a value
// (`false`: nothing was written), any other failure an AwsCallError naming the item and table.
//
// Key design: partition key `pk` (S) + sort key `sk` (S); TTL attribute `expiresAtSeconds`.
//   pk                  sk                       item
//   cluster-states      <cluster>                ClusterState (`state`), `revision` for conditions
//   event#<id>          claim                    event claim: `status`, `claimant`, `leaseUntilMs`
//   cluster#<cluster>   lock                     rotation lock: `owner`, `holder`, `leaseUntilMs`
//   cluster#<cluster>   rotation#latest          latest rotation (`record`, `rotationId`, `phase`,
//                                                `seq`, bumped at every write)
//   cluster#<cluster>   rotation#id#<id>         copy of each rotation, kept once a newer begins
//   cluster#<cluster>   journal#<seq, 12 digits> journal entry, in append order
//   journals            <cluster>                journal sequence counter (lists journaled clusters)
// All cluster states share one partition so listing them is one Query; a partition takes 1,000
// writes/s, far above one state write per cluster per minute for 10,000 clusters.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { awsCallError, errorName } from './aws-clients';

/** Attribute names of the state table's keys and TTL: the CDK construct creates the same. */
export const STATE_TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; set on event claims only, for clean-up (reads never rely on it). */
  timeToLiveAttribute: 'expiresAtSeconds',
} as const;

/** CreateTable input for the state table (tests on dynalite; the CDK construct mirrors it). */
export function stateTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: STATE_TABLE_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: STATE_TABLE_KEYS.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: STATE_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: STATE_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
  };
}

export type Item = Record<string, unknown>;
export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export const JOURNAL_SK_PREFIX = 'journal#';

/** Where each kind of item lives (see the table above). */
export const itemKeys = {
  statesPartition: 'cluster-states',
  clusterState: (cluster: string): ItemKey => ({ pk: 'cluster-states', sk: cluster }),
  eventClaim: (id: string): ItemKey => ({ pk: `event#${id}`, sk: 'claim' }),
  clusterPartition: (cluster: string) => `cluster#${cluster}`,
  lock: (cluster: string): ItemKey => ({ pk: `cluster#${cluster}`, sk: 'lock' }),
  latestRotation: (cluster: string): ItemKey => ({
    pk: `cluster#${cluster}`,
    sk: 'rotation#latest',
  }),
  rotation: (cluster: string, rotationId: string): ItemKey => ({
    pk: `cluster#${cluster}`,
    sk: `rotation#id#${rotationId}`,
  }),
  journal: (cluster: string, seq: number): ItemKey => ({
    pk: `cluster#${cluster}`,
    sk: `${JOURNAL_SK_PREFIX}${String(seq).padStart(12, '0')}`,
  }),
  journalsPartition: 'journals',
  journalCounter: (cluster: string): ItemKey => ({ pk: 'journals', sk: cluster }),
};

/** A condition or update expression with its placeholders (`#name`, `:value`). */
export interface Expression {
  readonly expression: string;
  readonly names?: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, unknown>>;
}

export interface QueryInput {
  readonly pk: string;
  /** Only sort keys starting with this. */
  readonly skPrefix?: string;
  readonly filter?: Expression;
  readonly isNewestFirst?: boolean;
  /** Stop once this many items (after the filter) are read. */
  readonly limit?: number;
}

export class StateTable {
  constructor(
    readonly tableName: string,
    private readonly doc: DynamoDBDocumentClient,
  ) {}

  /** A strongly consistent read: conditional decisions follow it. */
  async get(key: ItemKey): Promise<Item | undefined> {
    const output = await this.call('GetItem', key, () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return output.Item;
  }

  /** Writes `item` (the whole item) if `condition` holds; false when it did not. */
  async put(item: Item & ItemKey, condition?: Expression): Promise<boolean> {
    return this.conditional('PutItem', item, () =>
      this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: item, ...expressions(condition) }),
      ),
    );
  }

  /** Updates one item if `condition` holds; its new attributes, or false when it did not. */
  async update(key: ItemKey, update: Expression, condition?: Expression): Promise<Item | false> {
    let attributes: Item = {};
    const isDone = await this.conditional('UpdateItem', key, async () => {
      const output = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: update.expression,
          ...expressions(condition, update),
          ReturnValues: 'ALL_NEW',
        }),
      );
      attributes = output.Attributes ?? {};
    });
    return isDone && attributes;
  }

  /** Deletes one item if `condition` holds; false when it did not. */
  async delete(key: ItemKey, condition: Expression): Promise<boolean> {
    return this.conditional('DeleteItem', key, () =>
      this.doc.send(
        new DeleteCommand({ TableName: this.tableName, Key: key, ...expressions(condition) }),
      ),
    );
  }

  /** A partition's items in sort-key order (or reversed), following pages up to `limit`. */
  async query(input: QueryInput): Promise<Item[]> {
    const limit = input.limit ?? Number.POSITIVE_INFINITY;
    const keyCondition: Expression = {
      expression:
        input.skPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
      values: {
        ':pk': input.pk,
        ...(input.skPrefix === undefined ? {} : { ':prefix': input.skPrefix }),
      },
    };
    const placeholders = expressions(
      undefined,
      keyCondition,
      ...(input.filter ? [input.filter] : []),
    );
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Query', { pk: input.pk, sk: input.skPrefix ?? '*' }, () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: keyCondition.expression,
            ...(input.filter ? { FilterExpression: input.filter.expression } : {}),
            ...placeholders,
            ScanIndexForward: !input.isNewestFirst,
            ConsistentRead: true,
            // With a filter, Limit counts items read before filtering: keep paging.
            ...(Number.isFinite(limit) ? { Limit: limit } : {}),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.slice(0, limit);
  }

  private async call<T>(operation: string, key: ItemKey, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw awsCallError('DynamoDB', operation, this.describe(key), error);
    }
  }

  private async conditional(
    operation: string,
    key: ItemKey,
    send: () => Promise<unknown>,
  ): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw awsCallError('DynamoDB', operation, this.describe(key), error);
    }
  }

  private describe(key: ItemKey): string {
    return `item ${key.pk} / ${key.sk} (table ${this.tableName})`;
  }
}

/** The request fields of a condition and the other expressions sharing its placeholders. */
function expressions(
  condition: Expression | undefined,
  ...others: readonly Expression[]
): {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  const all = condition ? [condition, ...others] : others;
  const names = Object.assign({}, ...all.map((e) => e.names ?? {})) as Record<string, string>;
  const values = Object.assign({}, ...all.map((e) => e.values ?? {})) as Record<string, unknown>;
  return {
    ...(condition ? { ConditionExpression: condition.expression } : {}),
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}
