// Exit codes of the `redis-ha` CLI. Probe-style commands follow the monitoring-plugin
// convention (0 ok, 1 degraded, 2 critical); errors use sysexits.h numbers.

export const ExitCode = {
  ok: 0,
  degraded: 1,
  critical: 2,
  /** Bad command line: unknown command or flag, missing argument. */
  usage: 64,
  /** Invalid input data: the inventory failed validation, unknown cluster. */
  dataError: 65,
  /** A file named on the command line does not exist. */
  noInput: 66,
  /** A required program (redis-server) is missing. */
  unavailable: 69,
  /** A bug or an unexpected failure. */
  software: 70,
  /** Try again later: the cluster is locked by another rotation. */
  tempFail: 75,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

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
