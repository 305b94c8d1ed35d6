// Exit codes of the `redis-ha` CLI. Probe-style commands follow the monitoring-plugin
// convention (0 ok, 1 degraded, 2 critical); errors use sysexits.h numbers, one class each, so
// a script can tell bad input from a broken store from a bug (70 is for bugs only).
import { StoreFault } from '../functions/adapters/local/store-error';

export const ExitCode = {
  ok: 0,
  degraded: 1,
  critical: 2,
  /** Bad command line: unknown command or flag, missing argument. */
  usage: 64,
  /** Invalid input data: the inventory failed validation, unknown cluster. */
  dataError: 65,
  /** The inventory file is missing, not a file (a directory), or unreadable. */
  noInput: 66,
  /** A required program (redis-server) is missing; with --backend aws, an AWS call failed. */
  unavailable: 69,
  /** A bug or an unexpected failure. */
  software: 70,
  /** The local store cannot be used: corrupt, its data gone, a file where a folder should be. */
  ioError: 74,
  /** Try again later: the cluster is locked by another rotation, or the store is busy. */
  tempFail: 75,
  /**
   * The store (or a file in it) may not be read, or may not be written by a command that writes;
   * with --backend aws, AWS denied access.
   */
  noPermission: 77,
  /**
   * The store key is bad: REDIS_HA_LOCAL_KEY malformed, secret.key missing or not the right key;
   * with --backend aws, no region or credentials, or the table or KMS key does not exist.
   */
  config: 78,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One line per exit code, as `--help` and the README print them. */
export const EXIT_CODE_MEANINGS: Readonly<Record<ExitCode, string>> = {
  0: 'ok',
  1: 'worst verdict degraded',
  2: 'worst verdict critical',
  64: 'bad usage: unknown command or option, bad value',
  65: 'invalid inventory, unknown cluster',
  66: 'inventory file missing, not a file, or unreadable',
  69: 'redis-server missing (sandbox); --backend aws: an AWS call failed',
  70: 'internal error (a bug)',
  74: 'store unusable: corrupt, its database gone or empty, store path is a file',
  75: 'busy: cluster locked by a rotation, or store locked',
  77: 'store not readable, or not writable for a command that writes; --backend aws: access denied',
  78: 'store key: bad REDIS_HA_LOCAL_KEY, secret.key missing or wrong; --backend aws: no region or credentials, table or key not found',
};

/** An error that ends the command with a message and a chosen exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Which exit-code class each store fault belongs to. */
export const STORE_EXIT_CODES: Readonly<Record<StoreFault, ExitCode>> = {
  [StoreFault.notADirectory]: ExitCode.ioError,
  [StoreFault.dataMissing]: ExitCode.ioError,
  [StoreFault.corrupt]: ExitCode.ioError,
  [StoreFault.io]: ExitCode.ioError,
  [StoreFault.unreadable]: ExitCode.noPermission,
  [StoreFault.notWritable]: ExitCode.noPermission,
  [StoreFault.busy]: ExitCode.tempFail,
  [StoreFault.keyInvalid]: ExitCode.config,
  [StoreFault.keyMissing]: ExitCode.config,
  [StoreFault.keyWrong]: ExitCode.config,
};
