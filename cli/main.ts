// The `redis-ha` command line: parses arguments, dispatches to a command, maps errors to exit
// codes. Testable in-process: `run(argv, io)` returns the exit code instead of exiting.
import { parseDurationMs } from '../functions/core/duration';
import { inventoryJsonSchema } from '../functions/core/inventory-json-schema';
import { RedisHaError } from '../functions/core/errors';
import { StoreError, sqliteCode, storeErrorFrom } from '../functions/adapters/local/store-error';
import { awsFailure, checkBackendSupports } from './backend';
import { commandUsage, globalUsage, parseCommandLine } from './command-table';
import { eventsCommand } from './commands/events';
import { paramsCommand } from './commands/params';
import { probeCommand } from './commands/probe';
import { rotateCommand, rotationsCommand } from './commands/rotate';
import { sandboxCommand } from './commands/sandbox';
import { statusCommand } from './commands/status';
import { watchCommand } from './commands/watch';
import { globalOptions, loadInventory, type Io } from './context';
import { CliError, ExitCode, STORE_EXIT_CODES } from './exit-codes';

/** `redis-ha --help`, generated from the command table. */
export const USAGE = globalUsage();

export async function run(
  argv: readonly string[],
  io: Io,
  signal = new AbortController().signal,
): Promise<number> {
  const context: DispatchContext = {};
  try {
    return await dispatch(argv, io, signal, context);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`redis-ha: ${error.message}\n`);
      return error.exitCode;
    }
    // A SQLite failure after the store opened (disk full, lock held too long, read-only file).
    const storeError =
      error instanceof StoreError
        ? error
        : sqliteCode(error) !== undefined
          ? storeErrorFrom(error, context.store ?? 'the local store', context.isWriting ?? true)
          : undefined;
    if (storeError) {
      io.stderr(`redis-ha: ${storeError.message}\n`);
      return STORE_EXIT_CODES[storeError.fault];
    }
    const aws = awsFailure(error);
    if (aws) {
      io.stderr(`redis-ha: ${aws.message}\n`);
      return aws.exitCode;
    }
    if (error instanceof RedisHaError && error.code === 'REDIS_SERVER_MISSING') {
      io.stderr(`redis-ha: ${error.message}\n`);
      return ExitCode.unavailable;
    }
    io.stderr(
      `redis-ha: internal error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return ExitCode.software;
  }
}

/** What `run` needs to know of a command that failed: the store it used, and whether it writes. */
interface DispatchContext {
  store?: string;
  isWriting?: boolean;
}

/** Commands that only read the store (they open it read-only). */
function isReadingOnly(
  command: string,
  args: readonly string[],
  values: { 'read-only'?: boolean },
) {
  if (command === 'probe') return values['read-only'] === true;
  if (command === 'params') return args[0] === 'get' || args[0] === 'list';
  return ['status', 'events', 'rotations', 'validate', 'schema'].includes(command);
}

async function dispatch(
  argv: readonly string[],
  io: Io,
  signal: AbortSignal,
  context: DispatchContext,
): Promise<number> {
  const { command: spec, args, values } = parseCommandLine(argv);
  if (!spec) {
    io.stdout(USAGE);
    return values.help ? ExitCode.ok : ExitCode.usage;
  }
  if (values.help) {
    io.stdout(commandUsage(spec));
    return ExitCode.ok;
  }
  const command = spec.name;
  const options = globalOptions(values, io.env);
  checkBackendSupports(command, options);
  context.store = options.store;
  context.isWriting = !isReadingOnly(command, args, values);
  const json = values.json ?? false;
  const noArgs = () => {
    if (args.length > 0)
      throw new CliError(ExitCode.usage, `${command}: unexpected argument "${args[0]}"`);
  };

  switch (command) {
    case 'probe':
      return probeCommand(args, { json, readOnly: values['read-only'] ?? false }, options, io);
    case 'watch': {
      noArgs();
      const intervalMs =
        values.interval === undefined ? undefined : parseDurationMs(values.interval);
      if (values.interval !== undefined && !intervalMs) {
        throw new CliError(
          ExitCode.usage,
          `--interval: expected a duration such as 10s, got "${values.interval}"`,
        );
      }
      return watchCommand({ signal, ...(intervalMs ? { intervalMs } : {}) }, options, io);
    }
    case 'status':
      noArgs();
      return statusCommand({ json }, options, io);
    case 'params':
      return paramsCommand(
        args,
        { secure: values.secure ?? false, reveal: values.reveal ?? false, json },
        options,
        io,
      );
    case 'events': {
      noArgs();
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new CliError(
          ExitCode.usage,
          `--limit: expected a positive whole number, got "${values.limit}"`,
        );
      return eventsCommand(
        {
          limit,
          follow: values.follow ?? false,
          json,
          signal,
          ...(values.cluster ? { cluster: values.cluster } : {}),
        },
        options,
        io,
      );
    }
    case 'validate': {
      noArgs();
      const inventory = loadInventory(options.inventory);
      io.stdout(`${options.inventory}: ok, ${inventory.clusters.length} cluster(s)\n`);
      return ExitCode.ok;
    }
    case 'schema':
      noArgs();
      io.stdout(`${JSON.stringify(inventoryJsonSchema(), null, 2)}\n`);
      return ExitCode.ok;
    case 'rotate': {
      if (args.length > 1)
        throw new CliError(ExitCode.usage, `rotate: expected one cluster, got ${args.length}`);
      const gracePeriodMs = values.grace === undefined ? undefined : parseDurationMs(values.grace);
      if (values.grace !== undefined && gracePeriodMs === undefined) {
        throw new CliError(
          ExitCode.usage,
          `--grace: expected a duration such as 30s, got "${values.grace}"`,
        );
      }
      return rotateCommand(
        args[0],
        {
          isForced: values.force ?? false,
          isDryRun: values['dry-run'] ?? false,
          noWait: values['no-wait'] ?? false,
          isAbort: values.abort ?? false,
          json,
          signal,
          ...(gracePeriodMs !== undefined ? { gracePeriodMs } : {}),
        },
        options,
        io,
      );
    }
    case 'rotations':
      return rotationsCommand(args, { json }, options, io);
    case 'sandbox':
      noArgs();
      return sandboxCommand({ json }, io);
    default:
      throw new CliError(ExitCode.usage, `unknown command "${command}"`);
  }
}
