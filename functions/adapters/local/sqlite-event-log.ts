// EventBus on the local SQLite file: an append-only event log that `redis-ha events` tails.
// A re-publish of the same id (a retry after a crash) counts a delivery instead of a new row.
import type { DatabaseSync } from 'node:sqlite';
import type { CloudEvent } from '../../core/events';
import type { EventBus } from '../../core/ports';

export interface LoggedEvent {
  readonly seq: number;
  readonly deliveries: number;
  readonly event: CloudEvent;
}

export class SqliteEventLog implements EventBus {
  constructor(
    private readonly db: DatabaseSync,
    private readonly onPublish?: (event: CloudEvent) => void,
  ) {}

  async publish(event: CloudEvent): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO events (id, type, subject, time, event, deliveries) VALUES (?, ?, ?, ?, ?, 1)
         ON CONFLICT(id) DO UPDATE SET deliveries = deliveries + 1`,
      )
      .run(event.id, event.type, event.subject, event.time, JSON.stringify(event));
    this.onPublish?.(event);
  }

  /** The clusters (event subjects) the log holds events for, sorted. */
  subjects(): string[] {
    const rows = this.db.prepare('SELECT DISTINCT subject FROM events ORDER BY subject').all() as {
      subject: string;
    }[];
    return rows.map((row) => row.subject);
  }

  /** Events after `afterSeq`, oldest first; optionally one cluster's only. */
  list(options: { afterSeq?: number; cluster?: string; limit?: number } = {}): LoggedEvent[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT seq, deliveries, event FROM events
           WHERE seq > ? AND (? IS NULL OR subject = ?) ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
      )
      .all(
        options.afterSeq ?? 0,
        options.cluster ?? null,
        options.cluster ?? null,
        options.limit ?? 50,
      ) as {
      seq: number;
      deliveries: number;
      event: string;
    }[];
    return rows.map((row) => ({
      seq: row.seq,
      deliveries: row.deliveries,
      event: JSON.parse(row.event) as CloudEvent,
    }));
  }
}
