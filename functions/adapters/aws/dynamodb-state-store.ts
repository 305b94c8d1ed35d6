// StateStore on one DynamoDB table (item layout: dynamodb-state-table.ts). Every race is settled
// by a single-item conditional write (no transactions: dynalite and the design do without them);
// TTL only cleans up, reads never rely on it. Never stores a secret.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClusterState } from '../../core/cluster-state';
import { RedisHaError, StateConflictError } from '../../core/errors';
import type { EventClaim, JournalEntry, Lock, LockClaim, StateStore } from '../../core/ports';
import { isTerminal, type RotationPhase, type RotationRecord } from '../../core/rotation';
import { parseRotationRecord } from '../../core/rotation-record';
import { awsClientConfig, type AwsClientOptions } from './aws-clients';
import {
  itemKeys,
  JOURNAL_SK_PREFIX,
  STATE_TABLE_KEYS,
  StateTable,
  type Expression,
  type Item,
  type ItemKey,
} from './dynamodb-state-table';

export { STATE_TABLE_KEYS, stateTableDefinition } from './dynamodb-state-table';

export interface DynamoDbStateStoreOptions {
  readonly tableName: string;
  /** A client to use as is (shared, or mocked in tests); else one is built from `client`. */
  readonly dynamodb?: DynamoDBClient;
  /** How to build the client when `dynamodb` is not given. */
  readonly client?: AwsClientOptions;
  /** How long an event claim is kept (then TTL may delete it). Default: 30 days. */
  readonly eventClaimRetentionMs?: number;
}

const TTL = STATE_TABLE_KEYS.timeToLiveAttribute;
const DEFAULT_JOURNAL_LIMIT = 1000;

export class DynamoDbStateStore implements StateStore {
  private readonly table: StateTable;
  private readonly eventClaimRetentionMs: number;

  constructor(options: DynamoDbStateStoreOptions) {
    if (!options.tableName) {
      throw new RedisHaError('BAD_OPTIONS', 'DynamoDbStateStore: tableName is required');
    }
    const client = options.dynamodb ?? new DynamoDBClient(awsClientConfig(options.client));
    this.table = new StateTable(
      options.tableName,
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    );
    this.eventClaimRetentionMs = options.eventClaimRetentionMs ?? 30 * 86_400_000;
  }

  async getClusterState(cluster: string): Promise<ClusterState | undefined> {
    return (await this.table.get(itemKeys.clusterState(cluster)))?.state as
      ClusterState | undefined;
  }

  async putClusterState(state: ClusterState, expectedRevision: number | null): Promise<void> {
    const isWritten = await this.table.put(
      {
        ...itemKeys.clusterState(state.cluster),
        kind: 'cluster-state',
        revision: state.revision,
        state,
      },
      expectedRevision === null
        ? { expression: 'attribute_not_exists(pk)' }
        : { expression: 'revision = :expected', values: { ':expected': expectedRevision } },
    );
    if (!isWritten) {
      throw new StateConflictError(
        `state of ${state.cluster}: another run committed first (expected ${
          expectedRevision === null ? 'no state yet' : `revision ${expectedRevision}`
        })`,
      );
    }
  }

  async listClusterStates(): Promise<ClusterState[]> {
    const items = await this.table.query({ pk: itemKeys.statesPartition });
    return items.map((item) => item.state as ClusterState);
  }

  async claimEvent(id: string, claimant: string, leaseMs: number, now: Date): Promise<EventClaim> {
    const key = itemKeys.eventClaim(id);
    const isClaimed = await this.table.put(
      {
        ...key,
        kind: 'event-claim',
        status: 'claimed',
        claimant,
        claimedAt: now.toISOString(),
        leaseUntilMs: now.getTime() + leaseMs,
        [TTL]: this.claimExpirySeconds(now),
      },
      // Free when absent, past its retention (TTL deletes lazily), an expired claim, or this
      // claimant's own (a retry within the same run renews it).
      {
        expression: `attribute_not_exists(pk) OR #ttl < :nowSeconds OR (#status = :claimed AND (leaseUntilMs <= :nowMs OR claimant = :claimant))`,
        names: { '#ttl': TTL, '#status': 'status' },
        values: {
          ':nowSeconds': Math.floor(now.getTime() / 1000),
          ':nowMs': now.getTime(),
          ':claimed': 'claimed',
          ':claimant': claimant,
        },
      },
    );
    if (isClaimed) return 'claimed';
    return (await this.table.get(key))?.status === 'published' ? 'published' : 'busy';
  }

  async markEventPublished(id: string, claimant: string, now: Date): Promise<void> {
    await this.table.update(itemKeys.eventClaim(id), {
      expression:
        'SET #status = :published, kind = :kind, publishedBy = :claimant, publishedAt = :at, #ttl = :ttl',
      names: { '#status': 'status', '#ttl': TTL },
      values: {
        ':published': 'published',
        ':kind': 'event-claim',
        ':claimant': claimant,
        ':at': now.toISOString(),
        ':ttl': this.claimExpirySeconds(now),
      },
    });
  }

  async acquireLock(
    cluster: string,
    claim: LockClaim,
    leaseMs: number,
    now: Date,
  ): Promise<boolean> {
    return this.table.put(
      {
        ...itemKeys.lock(cluster),
        kind: 'rotation-lock',
        owner: claim.owner,
        holder: claim.holder,
        leaseUntilMs: now.getTime() + leaseMs,
        expiresAt: new Date(now.getTime() + leaseMs).toISOString(),
      },
      {
        expression:
          'attribute_not_exists(pk) OR leaseUntilMs <= :nowMs OR (#owner = :owner AND holder = :holder)',
        names: { '#owner': 'owner' },
        values: { ':nowMs': now.getTime(), ':owner': claim.owner, ':holder': claim.holder },
      },
    );
  }

  async getLock(cluster: string): Promise<Lock | undefined> {
    const item = await this.table.get(itemKeys.lock(cluster));
    if (!item) return undefined;
    return {
      cluster,
      owner: String(item.owner),
      holder: String(item.holder),
      expiresAt: String(item.expiresAt),
    };
  }

  async releaseLock(cluster: string, owner: string, holder?: string): Promise<void> {
    await this.table.delete(
      itemKeys.lock(cluster),
      holder === undefined
        ? {
            expression: '#owner = :owner',
            names: { '#owner': 'owner' },
            values: { ':owner': owner },
          }
        : {
            expression: '#owner = :owner AND holder = :holder',
            names: { '#owner': 'owner' },
            values: { ':owner': owner, ':holder': holder },
          },
    );
  }

  async getRotation(cluster: string, rotationId?: string): Promise<RotationRecord | undefined> {
    const latestKey = itemKeys.latestRotation(cluster);
    const latest = await this.table.get(latestKey);
    // The latest item is the truth for the current rotation; its copy may lag one write.
    if (latest && (rotationId === undefined || latest.rotationId === rotationId)) {
      return this.parseRecord(latest, latestKey);
    }
    if (rotationId === undefined) return undefined;
    const key = itemKeys.rotation(cluster, rotationId);
    const copy = await this.table.get(key);
    return copy && this.parseRecord(copy, key);
  }

  async putRotation(record: RotationRecord, expectedPhase: RotationPhase | null): Promise<void> {
    const checked = parseRotationRecord(record, `rotation ${record.rotationId} to store`);
    const what = `rotation ${checked.rotationId} of ${checked.cluster}`;
    let condition: Expression;
    if (expectedPhase !== null) {
      condition = {
        expression: 'rotationId = :rotationId AND phase = :expected',
        values: { ':rotationId': checked.rotationId, ':expected': expectedPhase },
      };
    } else {
      const latest = await this.table.get(itemKeys.latestRotation(checked.cluster));
      if (latest && !isTerminal(latest.phase as RotationPhase)) {
        throw new StateConflictError(
          `${what}: rotation ${String(latest.rotationId)} is still ${String(latest.phase)}`,
        );
      }
      if (latest) {
        // Keep the finished rotation readable by id before the latest item moves on, then
        // replace exactly the item read (its `seq`), so no rotation that began since is lost.
        await this.putCopy(checked.cluster, latest);
        condition = { expression: 'seq = :seq', values: { ':seq': latest.seq } };
      } else {
        condition = { expression: 'attribute_not_exists(pk)' };
      }
    }
    const written = await this.table.update(
      itemKeys.latestRotation(checked.cluster),
      {
        expression:
          'SET kind = :kind, rotationId = :newId, phase = :newPhase, #record = :record, seq = if_not_exists(seq, :zero) + :one',
        names: { '#record': 'record' },
        values: {
          ':kind': 'rotation',
          ':newId': checked.rotationId,
          ':newPhase': checked.phase,
          ':record': checked,
          ':zero': 0,
          ':one': 1,
        },
      },
      condition,
    );
    if (!written) {
      throw new StateConflictError(
        `${what}: another run changed the cluster's latest rotation first (expected ${
          expectedPhase === null ? 'none running' : `phase ${expectedPhase}`
        })`,
      );
    }
    await this.putCopy(checked.cluster, written);
  }

  async appendJournal(entry: JournalEntry): Promise<void> {
    // A counter per cluster orders entries as appended, even with equal or skewed clocks. A
    // crash between the two writes leaves a gap in the sequence, which readers never notice.
    const counter = await this.table.update(itemKeys.journalCounter(entry.cluster), {
      expression: 'SET kind = :kind ADD seq :one',
      values: { ':kind': 'journal-counter', ':one': 1 },
    });
    const seq = Number(counter && counter.seq);
    await this.table.put({ ...itemKeys.journal(entry.cluster, seq), kind: 'journal', ...entry });
  }

  async readJournal(
    filter: { readonly cluster?: string; readonly rotationId?: string } = {},
    limit = DEFAULT_JOURNAL_LIMIT,
  ): Promise<JournalEntry[]> {
    if (limit <= 0) return [];
    const clusters =
      filter.cluster !== undefined
        ? [filter.cluster]
        : (await this.table.query({ pk: itemKeys.journalsPartition })).map((i) => String(i.sk));
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
    const newestFirst = await this.table.query({
      pk: itemKeys.clusterPartition(cluster),
      skPrefix: JOURNAL_SK_PREFIX,
      isNewestFirst: true,
      limit,
      ...(rotationId === undefined
        ? {}
        : {
            filter: {
              expression: 'rotationId = :rotationId',
              values: { ':rotationId': rotationId },
            },
          }),
    });
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

  private parseRecord(item: Item, key: ItemKey): RotationRecord {
    return parseRotationRecord(
      item.record,
      `DynamoDB table ${this.table.tableName} item ${key.pk} / ${key.sk}`,
    );
  }

  /** Writes the by-id copy of a latest-rotation item unless a newer copy is already there. */
  private async putCopy(cluster: string, latest: Item): Promise<void> {
    await this.table.put(
      { ...latest, ...itemKeys.rotation(cluster, String(latest.rotationId)) },
      { expression: 'attribute_not_exists(pk) OR seq < :seq', values: { ':seq': latest.seq } },
    );
  }

  private claimExpirySeconds(now: Date): number {
    return Math.floor((now.getTime() + this.eventClaimRetentionMs) / 1000);
  }
}

/** Merges per-cluster lists (each oldest first) by time, keeping each list's own order. */
function mergeByTime(lists: readonly (readonly JournalEntry[])[]): JournalEntry[] {
  if (lists.length === 1) return [...(lists[0] ?? [])];
  const next = lists.map(() => 0);
  const out: JournalEntry[] = [];
  for (;;) {
    let best = -1;
    let bestEntry: JournalEntry | undefined;
    lists.forEach((list, i) => {
      const candidate = list[next[i] ?? 0];
      if (candidate && (!bestEntry || candidate.at < bestEntry.at)) {
        best = i;
        bestEntry = candidate;
      }
    });
    if (!bestEntry) return out;
    out.push(bestEntry);
    next[best] = (next[best] ?? 0) + 1;
  }
}
