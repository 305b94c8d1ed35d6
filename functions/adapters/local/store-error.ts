// Why the local store cannot be used, as stable codes the CLI maps to exit codes. A message
// names the file and says what to do; it never holds a key or a parameter value.
import { RedisHaError } from '../../core/errors';

export const StoreFault = {
  /** The store path is a file, not a folder. */
  notADirectory: 'STORE_NOT_A_DIRECTORY',
  /** The store existed, but its database is gone or empty: never silently re-created. */
  dataMissing: 'STORE_DATA_MISSING',
  /** The database is not a redis-ha store, or is damaged. */
  corrupt: 'STORE_CORRUPT',
  /** The store may not be read. */
  unreadable: 'STORE_UNREADABLE',
  /** The store may not be written, and the command writes. */
  notWritable: 'STORE_NOT_WRITABLE',
  /** Another process holds the database's write lock for too long. */
  busy: 'STORE_BUSY',
  /** REDIS_HA_LOCAL_KEY or secret.key does not hold a 32-byte base64 key. */
  keyInvalid: 'STORE_KEY_INVALID',
  /** secret.key is missing while encrypted values exist. */
  keyMissing: 'STORE_KEY_MISSING',
  /** The key does not open the encrypted values. */
  keyWrong: 'STORE_KEY_WRONG',
  /** Any other I/O failure of the store. */
  io: 'STORE_IO',
} as const;
export type StoreFault = (typeof StoreFault)[keyof typeof StoreFault];

/** The local store cannot be used; `path` is the file or folder at fault. */
export class StoreError extends RedisHaError {
  constructor(
    readonly fault: StoreFault,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(fault, message, options);
    this.name = 'StoreError';
  }
}

/** SQLite's primary result code (the low byte of an extended code), or undefined. */
export function sqliteCode(error: unknown): number | undefined {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' ? code & 0xff : undefined;
}

/** Turns a file-system or SQLite failure on `path` into a StoreError with advice. */
export function storeErrorFrom(error: unknown, path: string, isWriting: boolean): StoreError {
  if (error instanceof StoreError) return error;
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  const sqlite = sqliteCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS' || sqlite === 8 /* READONLY */)
    return isWriting
      ? new StoreError(
          StoreFault.notWritable,
          path,
          `store ${path} is not writable (${detail}); this command writes to it. Read-only commands (status, events, rotations, params get|list, probe --read-only) still work`,
          { cause: error },
        )
      : new StoreError(StoreFault.unreadable, path, `store ${path} cannot be read (${detail})`, {
          cause: error,
        });
  if (sqlite === 5 /* BUSY */ || sqlite === 6 /* LOCKED */)
    return new StoreError(
      StoreFault.busy,
      path,
      `store ${path} is locked by another process (${detail}); try again`,
      { cause: error },
    );
  if (sqlite === 11 /* CORRUPT */ || sqlite === 26 /* NOTADB */)
    return new StoreError(
      StoreFault.corrupt,
      path,
      `store ${path} is damaged or not a redis-ha database (${detail}); restore it from a backup, or move it aside to start an empty store`,
      { cause: error },
    );
  if (sqlite === 14 /* CANTOPEN */)
    return new StoreError(
      isWriting ? StoreFault.notWritable : StoreFault.unreadable,
      path,
      `store ${path} cannot be opened (${detail})`,
      { cause: error },
    );
  return new StoreError(StoreFault.io, path, `store ${path}: ${detail}`, { cause: error });
}
