// Wires the local backend: one SQLite file behind ParameterStore, StateStore and EventBus.
import type { DatabaseSync } from 'node:sqlite';
import type { CloudEvent } from '../../core/events';
import type { Clock } from '../../core/ports';
import { openLocalDatabase } from './local-database';
import { SecretBox } from './secret-box';
import { SqliteEventLog } from './sqlite-event-log';
import { SqliteParameterStore } from './sqlite-parameter-store';
import { SqliteStateStore } from './sqlite-state-store';

export interface LocalBackend {
  readonly directory: string;
  readonly db: DatabaseSync;
  readonly parameters: SqliteParameterStore;
  readonly state: SqliteStateStore;
  readonly events: SqliteEventLog;
  close(): void;
}

export const systemClock: Clock = { now: () => new Date() };

export function openLocalBackend(
  directory: string,
  options: { clock?: Clock; onPublish?: (event: CloudEvent) => void } = {},
): LocalBackend {
  const db = openLocalDatabase(directory);
  const box = SecretBox.forDirectory(directory);
  return {
    directory,
    db,
    parameters: new SqliteParameterStore(db, box, options.clock ?? systemClock),
    state: new SqliteStateStore(db),
    events: new SqliteEventLog(db, options.onPublish),
    close: () => db.close(),
  };
}
