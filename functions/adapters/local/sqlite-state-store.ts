// StateStore on the local SQLite file: cluster state, rotation leases and the journal.
// The lease is a conditional write inside one IMMEDIATE transaction, like DynamoDB's.
import type { DatabaseSync } from 'node:sqlite';
import type { ClusterState } from '../../core/cluster-state';
import type { JournalEntry, Lock, StateStore } from '../../core/ports';
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
  constructor(private readonly db: DatabaseSync) {}

  async getClusterState(cluster: string): Promise<ClusterState | undefined> {
    const row = this.db
      .prepare('SELECT state FROM cluster_state WHERE cluster = ?')
      .get(cluster) as { state: string } | undefined;
    return row && (JSON.parse(row.state) as ClusterState);
  }

  async putClusterState(state: ClusterState): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO cluster_state (cluster, state) VALUES (?, ?) ON CONFLICT(cluster) DO UPDATE SET state = excluded.state',
      )
      .run(state.cluster, JSON.stringify(state));
  }

  async listClusterStates(): Promise<ClusterState[]> {
    const rows = this.db.prepare('SELECT state FROM cluster_state ORDER BY cluster').all() as {
      state: string;
    }[];
    return rows.map((row) => JSON.parse(row.state) as ClusterState);
  }

  async acquireLock(cluster: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    return inTransaction(this.db, () => {
      const held = this.db
        .prepare('SELECT owner, expires_at FROM locks WHERE cluster = ?')
        .get(cluster) as { owner: string; expires_at: string } | undefined;
      if (held && held.owner !== owner && held.expires_at > now.toISOString()) return false;
      const expiresAt = new Date(now.getTime() + leaseMs).toISOString();
      this.db
        .prepare(
          'INSERT INTO locks (cluster, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT(cluster) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at',
        )
        .run(cluster, owner, expiresAt);
      return true;
    });
  }

  async getLock(cluster: string): Promise<Lock | undefined> {
    const row = this.db
      .prepare('SELECT owner, expires_at FROM locks WHERE cluster = ?')
      .get(cluster) as { owner: string; expires_at: string } | undefined;
    return row && { cluster, owner: row.owner, expiresAt: row.expires_at };
  }

  async releaseLock(cluster: string, owner: string): Promise<void> {
    this.db.prepare('DELETE FROM locks WHERE cluster = ? AND owner = ?').run(cluster, owner);
  }

  async getRotation(cluster: string): Promise<Record<string, unknown> | undefined> {
    const row = this.db.prepare('SELECT record FROM rotations WHERE cluster = ?').get(cluster) as
      { record: string } | undefined;
    return row && (JSON.parse(row.record) as Record<string, unknown>);
  }

  async putRotation(cluster: string, record: Record<string, unknown>): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO rotations (cluster, record) VALUES (?, ?) ON CONFLICT(cluster) DO UPDATE SET record = excluded.record',
      )
      .run(cluster, JSON.stringify(record));
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

  async readJournal(cluster?: string, limit = 1000): Promise<JournalEntry[]> {
    const rows = (cluster
      ? this.db
          .prepare(
            'SELECT * FROM (SELECT * FROM journal WHERE cluster = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq',
          )
          .all(cluster, limit)
      : this.db
          .prepare('SELECT * FROM (SELECT * FROM journal ORDER BY seq DESC LIMIT ?) ORDER BY seq')
          .all(limit)) as unknown as JournalRow[];
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
