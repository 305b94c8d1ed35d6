// One SQLite file that holds the local backend: parameters, cluster state, the event log,
// rotation locks and the journal. WAL with synchronous=FULL, one transaction per write, so a
// crash mid-write leaves the previous committed state. The folder is 0700, the file 0600.
// A store that existed is never silently replaced: a new database is created only in a folder
// that holds none of the store's files, and atomically (built aside, then linked into place).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, rmSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { StoreError, StoreFault, storeErrorFrom } from './store-error';

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
CREATE TABLE IF NOT EXISTS event_claims (
  id TEXT PRIMARY KEY, claimant TEXT NOT NULL, claimed_until TEXT NOT NULL, published_at TEXT);
CREATE TABLE IF NOT EXISTS rotation_locks (
  cluster TEXT PRIMARY KEY, owner TEXT NOT NULL, holder TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rotation_records (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, rotation_id TEXT NOT NULL UNIQUE, cluster TEXT NOT NULL,
  record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS rotation_records_cluster ON rotation_records (cluster, seq);
CREATE TABLE IF NOT EXISTS journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, rotation_id TEXT NOT NULL, cluster TEXT NOT NULL,
  at TEXT NOT NULL, step TEXT NOT NULL, outcome TEXT NOT NULL, actor TEXT NOT NULL, detail TEXT NOT NULL);
`;
/** The tables of the first schema: a store that has them all is a redis-ha store. */
const TABLES = ['parameters', 'cluster_state', 'events', 'locks', 'rotations', 'journal'];
/**
 * Version 2 (issue 11): event claims; rotation locks owned by the rotation id with a holder;
 * every rotation's record kept by id. A version-1 store is upgraded by its first read-write
 * open: its rotation records are copied over; its `locks` (owned by a process) are left behind,
 * so a rotation in flight is resumed by the next run instead of waiting for a dead lease.
 */
const MIGRATE_1_TO_2 = `
INSERT OR IGNORE INTO rotation_records (rotation_id, cluster, record)
  SELECT json_extract(record, '$.rotationId'), cluster, record FROM rotations
  WHERE json_extract(record, '$.rotationId') IS NOT NULL;
`;

/** The schema marker in the database header (`PRAGMA application_id`): "rha1". */
export const APPLICATION_ID = 0x72686131;
const SCHEMA_VERSION = 2;

export const DATABASE_FILE = 'redis-ha.db';
export const KEY_FILE = 'secret.key';
/** Files whose presence proves the store existed (the database's WAL companions, the key). */
const EVIDENCE_FILES = [KEY_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`];
const BUSY_TIMEOUT_MS = 10_000;

export interface OpenedDatabase {
  readonly db: DatabaseSync;
  /** True when the store does not exist (read-only open): `db` is an empty in-memory one. */
  readonly isMissing: boolean;
}

/**
 * Opens the local store in `directory`. Read-write creates a brand-new store when the folder
 * holds none of its files; read-only never writes, creates or checkpoints anything.
 * Throws a StoreError naming the file when the store existed but its database is gone.
 */
export function openLocalDatabase(
  directory: string,
  options: { readonly isReadOnly?: boolean } = {},
): OpenedDatabase {
  const isReadOnly = options.isReadOnly ?? false;
  const file = join(directory, DATABASE_FILE);
  const folder = statOrUndefined(directory, isReadOnly);
  if (folder && !folder.isDirectory())
    throw new StoreError(
      StoreFault.notADirectory,
      directory,
      `store ${directory} is a file, not a folder: give --store (or REDIS_HA_STORE) a folder`,
    );
  const database = folder && statOrUndefined(file, isReadOnly);
  if (!database) {
    const evidence = folder && EVIDENCE_FILES.find((name) => existsSync(join(directory, name)));
    if (evidence)
      throw new StoreError(
        StoreFault.dataMissing,
        file,
        `store ${directory} existed (it holds ${evidence}) but its database ${file} is missing: its parameters, state and events are gone. Restore ${DATABASE_FILE} from a backup, or move ${directory} aside to start an empty store (secure values then have to be put again)`,
      );
    if (isReadOnly) return { db: emptyDatabase(), isMissing: true };
    createDatabase(directory, file);
  } else if (!database.isFile()) {
    throw new StoreError(StoreFault.corrupt, file, `store database ${file} is not a file`);
  } else if (database.size === 0) {
    throw new StoreError(
      StoreFault.dataMissing,
      file,
      `store database ${file} is empty (0 bytes): its parameters, state and events are gone. Restore it from a backup, or move ${directory} aside to start an empty store (secure values then have to be put again)`,
    );
  }
  const db = isReadOnly ? openReadOnly(directory, file) : openReadWrite(file);
  try {
    checkSchema(db, file, isReadOnly);
  } catch (error) {
    db.close();
    throw storeErrorFrom(error, file, !isReadOnly);
  }
  return { db, isMissing: false };
}

function statOrUndefined(path: string, isReadOnly: boolean): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storeErrorFrom(error, path, !isReadOnly);
  }
}

/** Builds the schema in a file beside the target, then links it into place (never clobbers). */
function createDatabase(directory: string, file: string): void {
  const temporary = join(directory, `.${DATABASE_FILE}.${randomBytes(6).toString('hex')}.new`);
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const db = new DatabaseSync(temporary);
    try {
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(
        `BEGIN; ${SCHEMA} PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT;`,
      );
    } finally {
      db.close();
    }
    chmodSync(temporary, 0o600);
    linkSync(temporary, file);
  } catch (error) {
    // Two first uses at once: the other one's database won, and is as new as ours.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw storeErrorFrom(error, file, true);
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${temporary}${suffix}`, { force: true });
  }
}

function openReadWrite(file: string): DatabaseSync {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS });
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;');
    return db;
  } catch (error) {
    db?.close();
    throw storeErrorFrom(error, file, true);
  }
}

/**
 * A WAL database can be read without writing only when its -wal and -shm files exist (left by
 * a running or crashed writer) or can be created. In a folder nobody may write, after a clean
 * close removed them, SQLite needs `immutable=1`: safe then, because no -wal holds newer data.
 */
function openReadOnly(directory: string, file: string): DatabaseSync {
  try {
    const db = new DatabaseSync(file, { readOnly: true, timeout: BUSY_TIMEOUT_MS });
    db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    const wal = join(directory, `${DATABASE_FILE}-wal`);
    let isWalEmpty: boolean;
    try {
      isWalEmpty = !existsSync(wal) || statSync(wal).size === 0;
    } catch (statError) {
      throw storeErrorFrom(statError, wal, false);
    }
    const code = (error as { errcode?: number }).errcode ?? 0;
    const isReadOnlyFolder = (code & 0xff) === 8 || (code & 0xff) === 14;
    if (!isWalEmpty || !isReadOnlyFolder) throw storeErrorFrom(error, file, false);
  }
  try {
    const url = pathToFileURL(file);
    url.searchParams.set('immutable', '1');
    return new DatabaseSync(url, { readOnly: true });
  } catch (error) {
    throw storeErrorFrom(error, file, false);
  }
}

/**
 * Rejects a database that is not a redis-ha store; stamps one made before the marker existed.
 * A read-write open also creates any table a newer version added (CREATE IF NOT EXISTS).
 */
function checkSchema(db: DatabaseSync, file: string, isReadOnly: boolean): void {
  const { application_id: applicationId } = db.prepare('PRAGMA application_id').get() as {
    application_id: number;
  };
  if (applicationId !== APPLICATION_ID) {
    const tables = new Set(
      (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
          name: string;
        }[]
      ).map((row) => row.name),
    );
    const isLegacyStore = applicationId === 0 && TABLES.every((table) => tables.has(table));
    if (!isLegacyStore)
      throw new StoreError(
        StoreFault.corrupt,
        file,
        `${file} is not a redis-ha store (no redis-ha schema in it); point --store at the store's folder, or move the file aside`,
      );
  }
  if (isReadOnly) return;
  const { user_version: version } = db.prepare('PRAGMA user_version').get() as {
    user_version: number;
  };
  if (applicationId === APPLICATION_ID && version >= SCHEMA_VERSION) return;
  inTransaction(db, () => {
    db.exec(SCHEMA);
    if (version < 2) db.exec(MIGRATE_1_TO_2);
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${SCHEMA_VERSION};`);
  });
}

function emptyDatabase(): DatabaseSync {
  const db = new DatabaseSync(':memory:');
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
