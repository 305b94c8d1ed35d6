// StateStore on one DynamoDB table. Every race is settled by a single-item conditional write (no
// transactions: dynalite and the design do without them); TTL only cleans up, reads never rely on
// it. Never stores a secret: cluster state, claims, leases, rotation records and journal lines.
//
// Key design: partition key `pk` (S) + sort key `sk` (S), TTL attribute `expiresAtSeconds`.
//   pk                  sk                       item
//   cluster-states      <cluster>                ClusterState (`state`), `revision` for conditions
//   event#<id>          claim                    event claim: `status`, `claimant`, `leaseUntilMs`
//   cluster#<cluster>   lock                     rotation lock: `owner`, `holder`, `leaseUntilMs`
//   cluster#<cluster>   rotation#latest          latest rotation (`record`, `rotationId`, `phase`,
//                                                `seq`, bumped at every write)
//   cluster#<cluster>   rotation#id#<id>         copy of each rotation, kept when a newer begins
//   cluster#<cluster>   journal#<seq, 12 digits> journal entry, in append order
//   journals            <cluster>                journal sequence counter (lists journaled clusters)
// All cluster states share one partition so `listClusterStates` is one Query; a partition takes
// 1,000 writes/s, far above one state write per cluster per minute for 10,000 clusters.
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ClusterState } from '../../core/cluster-state';
import { RedisHaError, StateConflictError } from '../../core/errors';
import type { EventClaim, JournalEntry, Lock, LockClaim, StateStore } from '../../core/ports';
import { isTerminal, type RotationPhase, type RotationRecord } from '../../core/rotation';
import { parseRotationRecord } from '../../core/rotation-record';
import { awsCallError, awsClientConfig, errorName, type AwsClientOptions } from './aws-clients';

/** Attribute names of the state table's keys and TTL: the CDK construct creates the same. */
export const STATE_TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
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

export interface DynamoDbStateStoreOptions {
  readonly tableName: string;
  /** A client to use as is (shared, or mocked in tests); else one is built from `client`. */
  readonly dynamodb?: DynamoDBClient;
  /** How to build the client when `dynamodb` is not given. */
  readonly client?: AwsClientOptions;
  /** How long an event claim is kept (then TTL may delete it). Default: 30 days. */
  readonly eventClaimRetentionMs?: number;
}

const STATES_PK = 'cluster-states';
const JOURNALS_PK = 'journals';
const LATEST_SK = 'rotation#latest';
const JOURNAL_SK_PREFIX = 'journal#';
const clusterPk = (cluster: string) => `cluster#${cluster}`;
const rotationSk = (rotationId: string) => `rotation#id#${rotationId}`;
const journalSk = (seq: number) => `${JOURNAL_SK_PREFIX}${String(seq).padStart(12, '0')}`;
const DEFAULT_JOURNAL_LIMIT = 1000;

type Item = Record<string, unknown>;
type Key = { pk: string; sk: string };

export class DynamoDbStateStore implements StateStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly eventClaimRetentionMs: number;

  constructor(options: DynamoDbStateStoreOptions) {
    if (!options.tableName) {
      throw new RedisHaError('BAD_OPTIONS', 'DynamoDbStateStore: tableName is required');
    }
    this.tableName = options.tableName;
    this.eventClaimRetentionMs = options.eventClaimRetentionMs ?? 30 * 86_400_000;
    this.doc = DynamoDBDocumentClient.from(
      options.dynamodb ?? new DynamoDBClient(awsClientConfig(options.client)),
      { marshallOptions: { removeUndefinedValues: true } },
    );
  }

  async getClusterState(cluster: string): Promise<ClusterState | undefined> {
    const item = await this.get({ pk: STATES_PK, sk: cluster });
    return item?.state as ClusterState | undefined;
  }

  async putClusterState(state: ClusterState, expectedRevision: number | null): Promise<void> {
    const isWritten = await this.conditional('PutItem', `cluster state ${state.cluster}`, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: STATES_PK,
            sk: state.cluster,
            kind: 'cluster-state',
            revision: state.revision,
            state,
          },
          ...(expectedRevision === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#revision = :expected',
                ExpressionAttributeNames: { '#revision': 'revision' },
                ExpressionAttributeValues: { ':expected': expectedRevision },
              }),
        }),
      ),
    );
    if (!isWritten) {
      throw new StateConflictError(
        `cluster ${state.cluster}: another run committed its state first (expected ${
          expectedRevision === null ? 'no state' : `revision ${expectedRevision}`
        })`,
      );
    }
  }

  async listClusterStates(): Promise<ClusterState[]> {
    const items = await this.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': STATES_PK },
    });
    return items.map((item) => item.state as ClusterState);
  }

  async claimEvent(id: string, claimant: string, leaseMs: number, now: Date): Promise<EventClaim> {
    const key = { pk: `event#${id}`, sk: 'claim' };
    const isClaimed = await this.conditional('PutItem', `event claim ${id}`, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            kind: 'event-claim',
            status: 'claimed',
            claimant,
            claimedAt: now.toISOString(),
            leaseUntilMs: now.getTime() + leaseMs,
            [STATE_TABLE_KEYS.timeToLiveAttribute]: this.claimExpiry(now),
          },
          // Free when absent, past its retention (TTL deletes lazily), an expired claim, or
          // this claimant's own (a retry within the same run renews it).
          ConditionExpression:
            'attribute_not_exists(pk) OR #expires < :nowSeconds OR (#status = :claimed AND (#lease <= :nowMs OR #claimant = :claimant))',
          ExpressionAttributeNames: {
            '#expires': STATE_TABLE_KEYS.timeToLiveAttribute,
            '#status': 'status',
            '#lease': 'leaseUntilMs',
            '#claimant': 'claimant',
          },
          ExpressionAttributeValues: {
            ':nowSeconds': Math.floor(now.getTime() / 1000),
            ':claimed': 'claimed',
            ':nowMs': now.getTime(),
            ':claimant': claimant,
          },
        }),
      ),
    );
    if (isClaimed) return 'claimed';
    const item = await this.get(key);
    return item?.status === 'published' ? 'published' : 'busy';
  }

  async markEventPublished(id: string, claimant: string, now: Date): Promise<void> {
    await this.call('UpdateItem', `event claim ${id}`, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `event#${id}`, sk: 'claim' },
          UpdateExpression:
            'SET #status = :published, kind = :kind, publishedBy = :claimant, publishedAt = :at, #expires = :expires',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#expires': STATE_TABLE_KEYS.timeToLiveAttribute,
          },
          ExpressionAttributeValues: {
            ':published': 'published',
            ':kind': 'event-claim',
            ':claimant': claimant,
            ':at': now.toISOString(),
            ':expires': this.claimExpiry(now),
          },
        }),
      ),
    );
  }

  async acquireLock(
    cluster: string,
    claim: LockClaim,
    leaseMs: number,
    now: Date,
  ): Promise<boolean> {
    return this.conditional('PutItem', `rotation lock of ${cluster}`, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: clusterPk(cluster),
            sk: 'lock',
            kind: 'rotation-lock',
            owner: claim.owner,
            holder: claim.holder,
            leaseUntilMs: now.getTime() + leaseMs,
            expiresAt: new Date(now.getTime() + leaseMs).toISOString(),
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR #lease <= :nowMs OR (#owner = :owner AND #holder = :holder)',
          ExpressionAttributeNames: {
            '#lease': 'leaseUntilMs',
            '#owner': 'owner',
            '#holder': 'holder',
          },
          ExpressionAttributeValues: {
            ':nowMs': now.getTime(),
            ':owner': claim.owner,
            ':holder': claim.holder,
          },
        }),
      ),
    );
  }

  async getLock(cluster: string): Promise<Lock | undefined> {
    const item = await this.get({ pk: clusterPk(cluster), sk: 'lock' });
    if (!item) return undefined;
    return {
      cluster,
      owner: String(item.owner),
      holder: String(item.holder),
      expiresAt: String(item.expiresAt),
    };
  }

  async releaseLock(cluster: string, owner: string, holder?: string): Promise<void> {
    await this.conditional('DeleteItem', `rotation lock of ${cluster}`, () =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: clusterPk(cluster), sk: 'lock' },
          ConditionExpression:
            holder === undefined ? '#owner = :owner' : '#owner = :owner AND #holder = :holder',
          ExpressionAttributeNames: {
            '#owner': 'owner',
            ...(holder === undefined ? {} : { '#holder': 'holder' }),
          },
          ExpressionAttributeValues: {
            ':owner': owner,
            ...(holder === undefined ? {} : { ':holder': holder }),
          },
        }),
      ),
    );
  }

  async getRotation(cluster: string, rotationId?: string): Promise<RotationRecord | undefined> {
    const latestKey = { pk: clusterPk(cluster), sk: LATEST_SK };
    const latest = await this.get(latestKey);
    // The latest item is the truth for the current rotation; its copy may lag one write.
    if (latest && (rotationId === undefined || latest.rotationId === rotationId)) {
      return this.parseRecord(latest, latestKey);
    }
    if (rotationId === undefined) return undefined;
    const key = { pk: clusterPk(cluster), sk: rotationSk(rotationId) };
    const copy = await this.get(key);
    return copy && this.parseRecord(copy, key);
  }

  async putRotation(record: RotationRecord, expectedPhase: RotationPhase | null): Promise<void> {
    const checked = parseRotationRecord(record, `rotation ${record.rotationId} to store`);
    const pk = clusterPk(checked.cluster);
    const what = `rotation ${checked.rotationId} of ${checked.cluster}`;
    let condition: Pick<
      QueryCommandInput,
      'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > & { ConditionExpression: string };
    if (expectedPhase === null) {
      const latest = await this.get({ pk, sk: LATEST_SK });
      if (latest && !isTerminal(latest.phase as RotationPhase)) {
        throw new StateConflictError(
          `${what}: rotation ${String(latest.rotationId)} is still ${String(latest.phase)}`,
        );
      }
      if (latest) {
        // Keep the finished rotation readable by id before the latest item moves on.
        await this.putCopy(pk, latest);
        condition = {
          ConditionExpression: '#seq = :seq',
          ExpressionAttributeNames: { '#seq': 'seq' },
          ExpressionAttributeValues: { ':seq': latest.seq },
        };
      } else {
        condition = { ConditionExpression: 'attribute_not_exists(pk)' };
      }
    } else {
      condition = {
        ConditionExpression: '#rotationId = :rotationId AND #phase = :expected',
        ExpressionAttributeNames: { '#rotationId': 'rotationId', '#phase': 'phase' },
        ExpressionAttributeValues: {
          ':rotationId': checked.rotationId,
          ':expected': expectedPhase,
        },
      };
    }
    let written: Item | undefined;
    const isWritten = await this.conditional('UpdateItem', what, async () => {
      const output = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk, sk: LATEST_SK },
          UpdateExpression:
            'SET kind = :kind, #rotationId = :newId, #phase = :newPhase, #record = :record, #seq = if_not_exists(#seq, :zero) + :one',
          ...condition,
          ExpressionAttributeNames: {
            ...condition.ExpressionAttributeNames,
            '#rotationId': 'rotationId',
            '#phase': 'phase',
            '#record': 'record',
            '#seq': 'seq',
          },
          ExpressionAttributeValues: {
            ...condition.ExpressionAttributeValues,
            ':kind': 'rotation',
            ':newId': checked.rotationId,
            ':newPhase': checked.phase,
            ':record': checked,
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      written = output.Attributes;
    });
    if (!isWritten || !written) {
      throw new StateConflictError(
        `${what}: another run changed the cluster's latest rotation first (expected ${
          expectedPhase === null ? 'none running' : `phase ${expectedPhase}`
        })`,
      );
    }
    await this.putCopy(pk, written);
  }

  async appendJournal(entry: JournalEntry): Promise<void> {
    let seq = 0;
    await this.call('UpdateItem', `journal counter of ${entry.cluster}`, async () => {
      const output = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: JOURNALS_PK, sk: entry.cluster },
          UpdateExpression: 'SET kind = :kind ADD #seq :one',
          ExpressionAttributeNames: { '#seq': 'seq' },
          ExpressionAttributeValues: { ':kind': 'journal-counter', ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      seq = Number(output.Attributes?.seq);
    });
    await this.call('PutItem', `journal of ${entry.cluster}`, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: clusterPk(entry.cluster),
            sk: journalSk(seq),
            kind: 'journal',
            rotationId: entry.rotationId,
            cluster: entry.cluster,
            at: entry.at,
            step: entry.step,
            outcome: entry.outcome,
            actor: entry.actor,
            detail: entry.detail,
          },
        }),
      ),
    );
  }

  async readJournal(
    filter: { readonly cluster?: string; readonly rotationId?: string } = {},
    limit = DEFAULT_JOURNAL_LIMIT,
  ): Promise<JournalEntry[]> {
    if (limit <= 0) return [];
    const clusters =
      filter.cluster !== undefined
        ? [filter.cluster]
        : (
            await this.query({
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': JOURNALS_PK },
            })
          ).map((item) => String(item.sk));
    const perCluster = await Promise.all(
      clusters.map((cluster) => this.lastEntries(cluster, filter.rotationId, limit)),
    );
    return mergeByTime(perCluster).slice(-limit);
  }

  /** The last `limit` entries of one cluster (optionally of one rotation), oldest first. */
  private async lastEntries(
    cluster: string,
    rotationId: string | undefined,
    limit: number,
  ): Promise<JournalEntry[]> {
    const newestFirst = await this.query(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': clusterPk(cluster),
          ':prefix': JOURNAL_SK_PREFIX,
          ...(rotationId === undefined ? {} : { ':rotationId': rotationId }),
        },
        ...(rotationId === undefined
          ? {}
          : {
              FilterExpression: '#rotationId = :rotationId',
              ExpressionAttributeNames: { '#rotationId': 'rotationId' },
            }),
        ScanIndexForward: false,
      },
      limit,
    );
    return newestFirst.reverse().map((item) => ({
      rotationId: String(item.rotationId),
      cluster: String(item.cluster),
      at: String(item.at),
      step: String(item.step),
      outcome: item.outcome as JournalEntry['outcome'],
      actor: String(item.actor),
      detail: String(item.detail),
    }));
  }

  private parseRecord(item: Item, key: Key): RotationRecord {
    return parseRotationRecord(
      item.record,
      `DynamoDB table ${this.tableName} item ${key.pk} / ${key.sk}`,
    );
  }

  /** Writes the by-id copy of a latest-rotation item unless a newer copy is already there. */
  private async putCopy(pk: string, latest: Item): Promise<void> {
    const rotationId = String(latest.rotationId);
    await this.conditional('PutItem', `copy of rotation ${rotationId}`, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...latest, pk, sk: rotationSk(rotationId) },
          ConditionExpression: 'attribute_not_exists(pk) OR #seq < :seq',
          ExpressionAttributeNames: { '#seq': 'seq' },
          ExpressionAttributeValues: { ':seq': latest.seq },
        }),
      ),
    );
  }

  private claimExpiry(now: Date): number {
    return Math.floor((now.getTime() + this.eventClaimRetentionMs) / 1000);
  }

  private async get(key: Key): Promise<Item | undefined> {
    let item: Item | undefined;
    await this.call('GetItem', `${key.pk} / ${key.sk}`, async () => {
      const output = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      item = output.Item;
    });
    return item;
  }

  /** Every item a query yields (or the first `limit` matching ones), following pages. */
  private async query(
    input: Omit<QueryCommandInput, 'TableName'>,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Query', String(input.ExpressionAttributeValues?.[':pk']), () =>
        this.doc.send(
          new QueryCommand({
            ...input,
            TableName: this.tableName,
            ConsistentRead: true,
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

  /** Runs one SDK call; any failure becomes an AwsCallError naming the operation and item. */
  private async call<T>(operation: string, target: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw awsCallError('DynamoDB', operation, `${target} (table ${this.tableName})`, error);
    }
  }

  /** Runs one conditional write: false when its condition failed (nothing was written). */
  private async conditional(
    operation: string,
    target: string,
    send: () => Promise<unknown>,
  ): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        errorName(error) === 'ConditionalCheckFailedException'
      ) {
        return false;
      }
      throw awsCallError('DynamoDB', operation, `${target} (table ${this.tableName})`, error);
    }
  }
}

/** Merges per-cluster lists (each oldest first) by time, keeping each list's own order. */
function mergeByTime(lists: readonly JournalEntry[][]): JournalEntry[] {
  if (lists.length === 1) return lists[0] ?? [];
  const heads = lists.map(() => 0);
  const out: JournalEntry[] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      const candidate = lists[i]?.[heads[i] ?? 0];
      const current = best < 0 ? undefined : lists[best]?.[heads[best] ?? 0];
      if (candidate && (!current || candidate.at < current.at)) best = i;
    }
    if (best < 0) return out;
    out.push(lists[best]?.[heads[best] ?? 0] as JournalEntry);
    heads[best] = (heads[best] ?? 0) + 1;
  }
}
