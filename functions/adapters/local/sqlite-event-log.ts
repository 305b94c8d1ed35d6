// EventBus and EventLog on the local SQLite file: an append-only event log that `redis-ha events`
// tails. A re-publish of the same id (a retry after a crash) counts a delivery instead of a new row.
import type { DatabaseSync } from 'node:sqlite';
import type { CloudEvent } from '../../core/events';
import type { EventBus, EventLog, EventLogQuery, LoggedEventEntry } from '../../core/ports';

export interface LoggedEvent extends LoggedEventEntry {
  readonly seq: number;
}

export class SqliteEventLog implements EventBus, EventLog {
  constructor(
    private readonly db: DatabaseSync,
    private readonly onPublish?: (event: CloudEvent) => void,
  ) {}

  /** Locally, publishing is appending to the log (then the CLI's echo, if any). */
  async publish(event: CloudEvent): Promise<void> {
    await this.append(event);
    this.onPublish?.(event);
  }

  async append(event: CloudEvent): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO events (id, type, subject, time, event, deliveries) VALUES (?, ?, ?, ?, ?, 1)
         ON CONFLICT(id) DO UPDATE SET deliveries = deliveries + 1`,
      )
      .run(event.id, event.type, event.subject, event.time, JSON.stringify(event));
  }

  async read(query: EventLogQuery): Promise<LoggedEventEntry[]> {
    return this.list(query).map(({ event, deliveries }) => ({ event, deliveries }));
  }

  /** The clusters (event subjects) the log holds events for, sorted. */
  subjects(): string[] {
    const rows = this.db.prepare('SELECT DISTINCT subject FROM events ORDER BY subject').all() as {
      subject: string;
    }[];
    return rows.map((row) => row.subject);
  }

  /** Events after `afterSeq`, in append order (the last `limit`); optionally one cluster's or type's. */
  list(
    options: { afterSeq?: number; cluster?: string; type?: string; limit?: number } = {},
  ): LoggedEvent[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT seq, deliveries, event FROM events
           WHERE seq > ? AND (? IS NULL OR subject = ?) AND (? IS NULL OR type = ?)
           ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
      )
      .all(
        options.afterSeq ?? 0,
        options.cluster ?? null,
        options.cluster ?? null,
        options.type ?? null,
        options.type ?? null,
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
