// One SQLite file that holds the local backend: parameters, cluster state, the event log,
// rotation locks and the journal. WAL with synchronous=FULL, one transaction per write, so a
// crash mid-write leaves the previous committed state. The folder is 0700, the file 0600.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS parameters (
  name TEXT NOT NULL, version INTEGER NOT NULL, value TEXT NOT NULL, is_secure INTEGER NOT NULL,
  updated_at TEXT NOT NULL, PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS cluster_state (cluster TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
  subject TEXT NOT NULL, time TEXT NOT NULL, event TEXT NOT NULL, deliveries INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS locks (cluster TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rotations (cluster TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, rotation_id TEXT NOT NULL, cluster TEXT NOT NULL,
  at TEXT NOT NULL, step TEXT NOT NULL, outcome TEXT NOT NULL, actor TEXT NOT NULL, detail TEXT NOT NULL);
`;

export const DATABASE_FILE = 'redis-ha.db';

/** Opens (creating if needed) the local store in `directory`. */
export function openLocalDatabase(directory: string): DatabaseSync {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const file = join(directory, DATABASE_FILE);
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const db = new DatabaseSync(file, { timeout: 10_000 });
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;');
  db.exec(SCHEMA);
  return db;
}

/** Runs `work` in one IMMEDIATE transaction: all of it lands, or none of it. */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
