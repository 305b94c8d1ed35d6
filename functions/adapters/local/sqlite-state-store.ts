// StateStore on the local SQLite file: cluster state, event claims, rotation records, leases
// and the journal. Every conditional write checks and writes inside one IMMEDIATE transaction,
// the same single-item guarantee DynamoDB's ConditionExpression gives.
import type { DatabaseSync } from 'node:sqlite';
import type { ClusterState } from '../../core/cluster-state';
import { StateConflictError } from '../../core/errors';
import type { EventClaim, JournalEntry, Lock, LockClaim, StateStore } from '../../core/ports';
import { isTerminal, type RotationPhase, type RotationRecord } from '../../core/rotation';
import { parseRotationRecord } from '../../core/rotation-record';
import { inTransaction } from './local-database';

interface JournalRow {
  rotation_id: string;
  cluster: string;
  at: string;
  step: string;
  outcome: JournalEntry['outcome'];
  actor: string;
  detail: string;
}

export class SqliteStateStore implements StateStore {
  /** False on a read-only open of a store written before rotation records were kept by id. */
  private readonly hasRotationRecords: boolean;

  constructor(private readonly db: DatabaseSync) {
    this.hasRotationRecords = !!db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rotation_records'")
      .get();
  }

  async getClusterState(cluster: string): Promise<ClusterState | undefined> {
    const row = this.db
      .prepare('SELECT state FROM cluster_state WHERE cluster = ?')
      .get(cluster) as { state: string } | undefined;
    return row && (JSON.parse(row.state) as ClusterState);
  }

  async putClusterState(state: ClusterState, expectedRevision: number | null): Promise<void> {
    inTransaction(this.db, () => {
      const row = this.db
        .prepare(
          "SELECT json_extract(state, '$.revision') AS revision FROM cluster_state WHERE cluster = ?",
        )
        .get(state.cluster) as { revision: number } | undefined;
      const stored = row ? row.revision : null;
      if (stored !== expectedRevision)
        throw new StateConflictError(
          `state of ${state.cluster} is at revision ${String(stored)}, not ${String(expectedRevision)}: another run committed first`,
        );
      this.db
        .prepare(
          'INSERT INTO cluster_state (cluster, state) VALUES (?, ?) ON CONFLICT(cluster) DO UPDATE SET state = excluded.state',
        )
        .run(state.cluster, JSON.stringify(state));
    });
  }

  async listClusterStates(): Promise<ClusterState[]> {
    const rows = this.db.prepare('SELECT state FROM cluster_state ORDER BY cluster').all() as {
      state: string;
    }[];
    return rows.map((row) => JSON.parse(row.state) as ClusterState);
  }

  async claimEvent(id: string, claimant: string, leaseMs: number, now: Date): Promise<EventClaim> {
    return inTransaction(this.db, () => {
      const row = this.db
        .prepare('SELECT claimant, claimed_until, published_at FROM event_claims WHERE id = ?')
        .get(id) as
        { claimant: string; claimed_until: string; published_at: string | null } | undefined;
      if (row?.published_at) return 'published';
      if (row && row.claimant !== claimant && row.claimed_until > now.toISOString()) return 'busy';
      this.db
        .prepare(
          'INSERT INTO event_claims (id, claimant, claimed_until) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET claimant = excluded.claimant, claimed_until = excluded.claimed_until',
        )
        .run(id, claimant, new Date(now.getTime() + leaseMs).toISOString());
      return 'claimed';
    });
  }

  async markEventPublished(id: string, claimant: string, now: Date): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO event_claims (id, claimant, claimed_until, published_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET published_at = excluded.published_at',
      )
      .run(id, claimant, now.toISOString(), now.toISOString());
  }

  async acquireLock(
    cluster: string,
    claim: LockClaim,
    leaseMs: number,
    now: Date,
  ): Promise<boolean> {
    return inTransaction(this.db, () => {
      const held = this.db
        .prepare('SELECT owner, holder, expires_at FROM rotation_locks WHERE cluster = ?')
        .get(cluster) as { owner: string; holder: string; expires_at: string } | undefined;
      const isOurs = held?.owner === claim.owner && held.holder === claim.holder;
      if (held && !isOurs && held.expires_at > now.toISOString()) return false;
      this.db
        .prepare(
          'INSERT INTO rotation_locks (cluster, owner, holder, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(cluster) DO UPDATE SET owner = excluded.owner, holder = excluded.holder, expires_at = excluded.expires_at',
        )
        .run(cluster, claim.owner, claim.holder, new Date(now.getTime() + leaseMs).toISOString());
      return true;
    });
  }

  async getLock(cluster: string): Promise<Lock | undefined> {
    if (!this.hasRotationRecords) return undefined;
    const row = this.db
      .prepare('SELECT owner, holder, expires_at FROM rotation_locks WHERE cluster = ?')
      .get(cluster) as { owner: string; holder: string; expires_at: string } | undefined;
    return row && { cluster, owner: row.owner, holder: row.holder, expiresAt: row.expires_at };
  }

  async releaseLock(cluster: string, owner: string, holder?: string): Promise<void> {
    if (holder === undefined)
      this.db
        .prepare('DELETE FROM rotation_locks WHERE cluster = ? AND owner = ?')
        .run(cluster, owner);
    else
      this.db
        .prepare('DELETE FROM rotation_locks WHERE cluster = ? AND owner = ? AND holder = ?')
        .run(cluster, owner, holder);
  }

  async getRotation(cluster: string, rotationId?: string): Promise<RotationRecord | undefined> {
    const row = !this.hasRotationRecords
      ? (this.db.prepare('SELECT record FROM rotations WHERE cluster = ?').get(cluster) as
          { record: string } | undefined)
      : rotationId === undefined
        ? (this.db
            .prepare(
              'SELECT record FROM rotation_records WHERE cluster = ? ORDER BY seq DESC LIMIT 1',
            )
            .get(cluster) as { record: string } | undefined)
        : (this.db
            .prepare('SELECT record FROM rotation_records WHERE cluster = ? AND rotation_id = ?')
            .get(cluster, rotationId) as { record: string } | undefined);
    if (!row) return undefined;
    const record = parseRotationRecord(JSON.parse(row.record), `rotation record of ${cluster}`);
    return rotationId === undefined || record.rotationId === rotationId ? record : undefined;
  }

  async putRotation(record: RotationRecord, expectedPhase: RotationPhase | null): Promise<void> {
    const valid = parseRotationRecord(record, `rotation record of ${record.cluster}`);
    inTransaction(this.db, () => {
      const row = this.db
        .prepare(
          'SELECT rotation_id, record FROM rotation_records WHERE cluster = ? ORDER BY seq DESC LIMIT 1',
        )
        .get(valid.cluster) as { rotation_id: string; record: string } | undefined;
      const latest = row && (JSON.parse(row.record) as RotationRecord);
      const isExpected =
        expectedPhase === null
          ? !latest || isTerminal(latest.phase)
          : latest?.rotationId === valid.rotationId && latest.phase === expectedPhase;
      if (!isExpected)
        throw new StateConflictError(
          latest
            ? `rotation ${latest.rotationId} of ${valid.cluster} is at ${latest.phase}, not ${expectedPhase ?? 'finished'}: another run moved it`
            : `no rotation of ${valid.cluster} is at ${String(expectedPhase)}`,
        );
      if (expectedPhase === null)
        this.db
          .prepare('INSERT INTO rotation_records (rotation_id, cluster, record) VALUES (?, ?, ?)')
          .run(valid.rotationId, valid.cluster, JSON.stringify(valid));
      else
        this.db
          .prepare('UPDATE rotation_records SET record = ? WHERE rotation_id = ?')
          .run(JSON.stringify(valid), valid.rotationId);
    });
  }

  async appendJournal(entry: JournalEntry): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO journal (rotation_id, cluster, at, step, outcome, actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        entry.rotationId,
        entry.cluster,
        entry.at,
        entry.step,
        entry.outcome,
        entry.actor,
        entry.detail,
      );
  }

  async readJournal(
    filter: { readonly cluster?: string; readonly rotationId?: string } = {},
    limit = 1000,
  ): Promise<JournalEntry[]> {
    const where: string[] = [];
    const values: string[] = [];
    if (filter.cluster !== undefined) {
      where.push('cluster = ?');
      values.push(filter.cluster);
    }
    if (filter.rotationId !== undefined) {
      where.push('rotation_id = ?');
      values.push(filter.rotationId);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT * FROM journal ${clause} ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
      )
      .all(...values, limit) as unknown as JournalRow[];
    return rows.map((row) => ({
      rotationId: row.rotation_id,
      cluster: row.cluster,
      at: row.at,
      step: row.step,
      outcome: row.outcome,
      actor: row.actor,
      detail: row.detail,
    }));
  }
}
