// Wires the local backend: one SQLite file behind ParameterStore, StateStore and EventBus.
// Read-only opens never write a byte (for status, events, params get|list, probe --read-only).
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
  /** True when a read-only open found no store: everything reads as empty. */
  readonly isMissing: boolean;
  readonly parameters: SqliteParameterStore;
  readonly state: SqliteStateStore;
  readonly events: SqliteEventLog;
  close(): void;
}

export interface LocalBackendOptions {
  readonly clock?: Clock;
  readonly onPublish?: (event: CloudEvent) => void;
  /** Open without writing anything; a missing store reads as empty. */
  readonly isReadOnly?: boolean;
  /**
   * The store key given in REDIS_HA_LOCAL_KEY, read by the caller (the CLI) from its
   * environment; absent or empty: the key file in the store folder.
   */
  readonly envKey?: string | undefined;
}

export const systemClock: Clock = { now: () => new Date() };

export function openLocalBackend(
  directory: string,
  options: LocalBackendOptions = {},
): LocalBackend {
  const isReadOnly = options.isReadOnly ?? false;
  const { db, isMissing } = openLocalDatabase(directory, { isReadOnly });
  let box: SecretBox;
  try {
    box = SecretBox.forDirectory(directory, {
      envKey: options.envKey,
      canCreateKey: !isReadOnly,
      countSealedValues: () =>
        (
          db.prepare('SELECT COUNT(*) AS n FROM parameters WHERE is_secure = 1').get() as {
            n: number;
          }
        ).n,
    });
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    directory,
    db,
    isMissing,
    parameters: new SqliteParameterStore(db, box, options.clock ?? systemClock),
    state: new SqliteStateStore(db),
    events: new SqliteEventLog(db, options.onPublish),
    close: () => db.close(),
  };
}
