// The `redis-ha` command line: parses arguments, dispatches to a command, maps errors to exit
// codes. Testable in-process: `run(argv, io)` returns the exit code instead of exiting.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseDurationMs } from '../functions/core/duration';
import { InventorySchema } from '../functions/core/inventory';
import { RedisHaError } from '../functions/core/errors';
import { eventsCommand } from './commands/events';
import { paramsCommand } from './commands/params';
import { probeCommand } from './commands/probe';
import { rotateCommand, rotationsCommand } from './commands/rotate';
import { sandboxCommand } from './commands/sandbox';
import { statusCommand } from './commands/status';
import { watchCommand } from './commands/watch';
import { globalOptions, loadInventory, type Io } from './context';
import { CliError, ExitCode } from './exit-codes';

export const USAGE = `Usage: redis-ha <command> [options]

Commands:
  probe [cluster...]          probe now, act on transitions; exit 0 ok, 1 degraded, 2 critical
  watch                       subscribe to sentinels and keep everything up to date (long-running)
  status                      last known state of every cluster (no probing)
  params get <name>           print a parameter (secure values masked unless --reveal)
  params put <name> [value]   write a parameter (value from stdin when omitted; --secure)
  params list [prefix]        list parameters (secure values masked unless --reveal)
  events                      print the event log (--follow to keep tailing)
  validate                    check the inventory and print every problem
  schema                      print the inventory's JSON Schema
  rotate <cluster>            rotate the Redis password with zero downtime
                              (--grace 30s, --force, --dry-run, --no-wait)
  rotations [cluster...]      rotation state and journal (the audit trail; no secrets)
  sandbox                     start a real topology, fail its master over, show the timeline

Options:
  -i, --inventory <file>      inventory file (default redis-ha.yaml, or REDIS_HA_INVENTORY)
      --store <dir>           local backend folder (default .redis-ha, or REDIS_HA_STORE)
      --log-level <level>     info | warn | error | silent (logs are JSON lines on stderr)
      --json                  machine-readable output
  -h, --help                  this text

Exit codes: 0 ok, 1 degraded, 2 critical, 64 bad usage, 65 invalid inventory or unknown
cluster, 66 file not found, 69 redis-server missing, 70 internal error, 75 cluster locked.
rotate: 0 done, 1 refused or rolled back (old password still the only one), 2 failed after
publishing (run it again to resume), 75 already rotating.
`;

const OPTIONS = {
  inventory: { type: 'string', short: 'i' },
  store: { type: 'string' },
  'log-level': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  'read-only': { type: 'boolean', default: false },
  secure: { type: 'boolean', default: false },
  reveal: { type: 'boolean', default: false },
  cluster: { type: 'string' },
  limit: { type: 'string' },
  follow: { type: 'boolean', short: 'f', default: false },
  interval: { type: 'string' },
  grace: { type: 'string' },
  force: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  'no-wait': { type: 'boolean', default: false },
  abort: { type: 'boolean', default: false },
} as const;

/** Which options each command accepts besides the global ones. */
const COMMAND_OPTIONS: Record<string, readonly string[]> = {
  probe: ['read-only'],
  watch: ['interval'],
  status: [],
  params: ['secure', 'reveal'],
  events: ['cluster', 'limit', 'follow'],
  validate: [],
  schema: [],
  rotate: ['grace', 'force', 'dry-run', 'no-wait', 'abort'],
  rotations: [],
  sandbox: [],
};
const GLOBAL_OPTIONS = ['inventory', 'store', 'log-level', 'json', 'help'];

export async function run(
  argv: readonly string[],
  io: Io,
  signal = new AbortController().signal,
): Promise<number> {
  try {
    return await dispatch(argv, io, signal);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`redis-ha: ${error.message}\n`);
      return error.exitCode;
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

async function dispatch(argv: readonly string[], io: Io, signal: AbortSignal): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(
      ExitCode.usage,
      `${error instanceof Error ? error.message : String(error)} (see redis-ha --help)`,
    );
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || !command) {
    io.stdout(USAGE);
    return command || values.help ? ExitCode.ok : ExitCode.usage;
  }
  const allowed = COMMAND_OPTIONS[command];
  if (!allowed)
    throw new CliError(ExitCode.usage, `unknown command "${command}" (see redis-ha --help)`);
  for (const [key, value] of Object.entries(values)) {
    const isSet = value !== undefined && value !== false;
    if (isSet && !GLOBAL_OPTIONS.includes(key) && !allowed.includes(key)) {
      throw new CliError(ExitCode.usage, `${command}: option --${key} does not apply`);
    }
  }
  const options = globalOptions(values, io.env);
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

/** The JSON Schema editors use to check an inventory (generated from the zod schema). */
export function inventoryJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://redis-ha.dev/inventory.schema.json',
    title: 'redis-ha inventory',
    ...z.toJSONSchema(InventorySchema, { io: 'input', unrepresentable: 'any' }),
  };
}
