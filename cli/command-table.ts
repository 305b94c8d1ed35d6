// The one table of commands and options: it drives argument parsing, `redis-ha --help`,
// `redis-ha <command> --help` and the usage errors, so they cannot drift apart.
// Never lets Node's raw argument-parser messages reach the user.
import { parseArgs } from 'node:util';
import { CliError, EXIT_CODE_MEANINGS, ExitCode, STORE_EXIT_CODES } from './exit-codes';

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder of the value in help, for string options. */
  readonly value?: string;
  readonly help: string;
}

/** Every option the CLI knows; each command says which of them it takes. */
export const OPTIONS = {
  inventory: {
    type: 'string',
    short: 'i',
    value: '<file>',
    help: 'inventory file (default redis-ha.yaml, or REDIS_HA_INVENTORY)',
  },
  store: {
    type: 'string',
    value: '<dir>',
    help: 'local store folder (default .redis-ha, or REDIS_HA_STORE)',
  },
  backend: {
    type: 'string',
    value: '<local|aws>',
    help: 'local: the --store folder (default); aws: a deployment, for params, status, events and rotations (region and credentials: the AWS SDK configuration)',
  },
  table: {
    type: 'string',
    value: '<name>',
    help: 'with --backend aws: the state table (default STATE_TABLE_NAME)',
  },
  'kms-key': {
    type: 'string',
    value: '<key>',
    help: 'with --backend aws: KMS key id, ARN or alias that encrypts --secure values (default KMS_KEY_ID)',
  },
  'log-level': {
    type: 'string',
    value: '<level>',
    help: 'info | warn | error | silent (JSON log lines on stderr; or REDIS_HA_LOG_LEVEL)',
  },
  help: {
    type: 'boolean',
    short: 'h',
    help: 'usage, options and exit codes (of the command given)',
  },
  json: { type: 'boolean', help: 'machine-readable output on stdout (logs stay on stderr)' },
  'read-only': {
    type: 'boolean',
    help: 'only report: publish, write and commit nothing (works on a read-only store)',
  },
  secure: { type: 'boolean', help: 'encrypt the value at rest (a SecureString)' },
  reveal: { type: 'boolean', help: 'print secure values in clear text' },
  cluster: { type: 'string', value: '<name>', help: "only this cluster's events" },
  limit: { type: 'string', value: '<n>', help: 'print the last n events (default 50)' },
  follow: { type: 'boolean', short: 'f', help: 'keep printing new events until Ctrl-C' },
  interval: {
    type: 'string',
    value: '<duration>',
    help: 'full probe period, e.g. 10s (default: the inventory probeIntervalSeconds)',
  },
  grace: {
    type: 'string',
    value: '<duration>',
    help: 'how long old and new passwords both work (default: the inventory rotation.gracePeriod)',
  },
  force: { type: 'boolean', help: 'rotate even when the verdict is not ok' },
  'dry-run': { type: 'boolean', help: 'print the plan; change nothing anywhere' },
  'no-wait': {
    type: 'boolean',
    help: 'return after publishing; `watch` or `rotate` again finishes after the grace period',
  },
  abort: { type: 'boolean', help: 'roll back a stuck rotation (refused once published)' },
} as const satisfies Record<string, OptionSpec>;
export type OptionName = keyof typeof OPTIONS;

/** Options every command takes. */
export const GLOBAL_OPTIONS: readonly OptionName[] = [
  'inventory',
  'store',
  'backend',
  'log-level',
  'help',
];

/** Commands that work with `--backend aws`; the others run on one machine (or in the deployment). */
export const AWS_BACKEND_COMMANDS: readonly string[] = ['params', 'status', 'events', 'rotations'];

export interface CommandSpec {
  readonly name: string;
  /** Usage lines, without the leading `redis-ha `. */
  readonly usage: readonly string[];
  readonly summary: string;
  /** Options besides the global ones. */
  readonly options: readonly OptionName[];
  /** Exit codes, with a meaning where it differs from the general one. */
  readonly exitCodes: readonly (ExitCode | readonly [ExitCode, string])[];
}

/** The classes a store fault exits with, each once. */
const STORE_CODES = [...new Set(Object.values(STORE_EXIT_CODES))];
const INVENTORY_CODES = [ExitCode.dataError, ExitCode.noInput] as const;
/** What `--backend aws` adds (access denied and AWS configuration share 77 and 78 with the store). */
const AWS_CODES = [
  [
    ExitCode.unavailable,
    '--backend aws: an AWS call failed (unreachable, throttled, a service error)',
  ],
] as const;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'probe',
    usage: ['probe [cluster...]'],
    summary: 'probe now and act on transitions (events, parameters, state)',
    options: ['read-only', 'json'],
    exitCodes: [
      ExitCode.ok,
      ExitCode.degraded,
      ExitCode.critical,
      [
        ExitCode.usage,
        'bad usage, or REDIS_HA_PROBE_CONCURRENCY (clusters probed at once, default 32) is not a whole number from 1',
      ],
      ...INVENTORY_CODES,
      ...STORE_CODES,
    ],
  },
  {
    name: 'watch',
    usage: ['watch'],
    summary:
      'subscribe to every sentinel, probe on events and every interval, run due rotations (long-running; Ctrl-C stops)',
    options: ['interval'],
    exitCodes: [ExitCode.ok, ExitCode.usage, ...INVENTORY_CODES, ...STORE_CODES],
  },
  {
    name: 'status',
    usage: ['status'],
    summary: 'last committed state of every cluster, without probing',
    options: ['json', 'table'],
    exitCodes: [ExitCode.ok, ExitCode.usage, ...INVENTORY_CODES, ...AWS_CODES, ...STORE_CODES],
  },
  {
    name: 'params',
    usage: ['params get <name>', 'params put <name> [value]', 'params list [path]'],
    summary:
      'read or write a parameter (put reads the value from stdin when omitted; secure values masked unless --reveal); list: every parameter under a Parameter Store path (default /, recursive)',
    options: ['secure', 'reveal', 'json', 'kms-key'],
    exitCodes: [
      ExitCode.ok,
      [ExitCode.usage, 'bad usage, or a list path that does not start with /'],
      [ExitCode.dataError, 'parameter not found, or not a Parameter Store name'],
      ...AWS_CODES,
      ...STORE_CODES,
    ],
  },
  {
    name: 'events',
    usage: ['events'],
    summary: 'print the event log (one JSON object per line with --json)',
    options: ['cluster', 'limit', 'follow', 'json', 'table'],
    exitCodes: [
      ExitCode.ok,
      ExitCode.usage,
      [ExitCode.dataError, 'unknown cluster (neither in the inventory nor in the log)'],
      ...AWS_CODES,
      ...STORE_CODES,
    ],
  },
  {
    name: 'validate',
    usage: ['validate'],
    summary: 'check the inventory (and that TLS CA files exist); print every problem',
    options: [],
    exitCodes: [ExitCode.ok, ExitCode.usage, ...INVENTORY_CODES],
  },
  {
    name: 'schema',
    usage: ['schema'],
    summary: "print the inventory's JSON Schema",
    options: [],
    exitCodes: [ExitCode.ok, ExitCode.usage],
  },
  {
    name: 'rotate',
    usage: ['rotate <cluster>'],
    summary: 'rotate the Redis password with zero downtime',
    options: ['grace', 'force', 'dry-run', 'no-wait', 'abort', 'json'],
    exitCodes: [
      [ExitCode.ok, 'completed, published (--no-wait), aborted, or nothing to abort'],
      [
        ExitCode.degraded,
        'refused (verdict, node without a config file, --abort after publishing) or rolled back',
      ],
      [ExitCode.critical, 'failed after publishing or during a rollback (run it again to resume)'],
      ExitCode.usage,
      ...INVENTORY_CODES,
      ExitCode.ioError,
      [ExitCode.tempFail, 'locked by a live runner, in its grace period, or store locked'],
      ExitCode.noPermission,
      ExitCode.config,
    ],
  },
  {
    name: 'rotations',
    usage: ['rotations [cluster...]'],
    summary: 'rotation state and journal (the audit trail; no secrets)',
    options: ['json', 'table'],
    exitCodes: [ExitCode.ok, ExitCode.usage, ...INVENTORY_CODES, ...AWS_CODES, ...STORE_CODES],
  },
  {
    name: 'sandbox',
    usage: ['sandbox'],
    summary: 'start a real topology on this machine, fail its master over, rotate, show timelines',
    options: ['json'],
    exitCodes: [
      ExitCode.ok,
      [ExitCode.degraded, 'the sandbox failed'],
      ExitCode.usage,
      ExitCode.unavailable,
    ],
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}

function optionLabel(name: OptionName): string {
  const spec: OptionSpec = OPTIONS[name];
  const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}`;
  return spec.value ? `${flag} ${spec.value}` : flag;
}

function optionLines(names: readonly OptionName[]): string {
  return names.map((name) => `  ${optionLabel(name).padEnd(28)}${OPTIONS[name].help}`).join('\n');
}

/** `redis-ha --help`: every command, the global options, every exit code. */
export function globalUsage(): string {
  const commands = COMMANDS.flatMap((command) =>
    command.usage.map((line, i) => `  ${line.padEnd(28)}${i === 0 ? command.summary : ''}`),
  );
  const codes = Object.entries(EXIT_CODE_MEANINGS).map(
    ([code, meaning]) => `  ${code.padStart(3)}  ${meaning}`,
  );
  return [
    'Usage: redis-ha <command> [options]',
    '',
    'Commands:',
    ...commands.map((line) => line.trimEnd()),
    '',
    'Global options:',
    optionLines(GLOBAL_OPTIONS),
    '',
    'Exit codes:',
    ...codes,
    '',
    "`redis-ha <command> --help` shows a command's own options and exit codes.",
    '',
  ].join('\n');
}

/** `redis-ha <command> --help`: its usage, every option it takes, its exit codes. */
export function commandUsage(command: CommandSpec): string {
  const codes = command.exitCodes.map((entry) => {
    const [code, meaning] = typeof entry === 'number' ? [entry, EXIT_CODE_MEANINGS[entry]] : entry;
    return `  ${String(code).padStart(3)}  ${meaning}`;
  });
  return [
    `Usage: ${command.usage.map((line) => `redis-ha ${line} [options]`).join('\n       ')}`,
    '',
    command.summary,
    '',
    'Options:',
    ...(command.options.length > 0 ? [optionLines(command.options)] : []),
    optionLines(GLOBAL_OPTIONS),
    '',
    'Exit codes:',
    ...codes,
    '',
  ].join('\n');
}

/** Parsed options: strings for string options, `true` for the boolean ones given. */
export type OptionValues = {
  -readonly [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean;
};

export interface CommandLine {
  /** Undefined when no command was given. */
  readonly command: CommandSpec | undefined;
  readonly args: readonly string[];
  readonly values: OptionValues;
}

/**
 * Parses argv against the table. Every mistake becomes a CliError (exit 64) in our words,
 * naming the option and the command: Node's parser runs in lenient mode and only tokenises.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const { tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const positionals = tokens.flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
  const [name, ...args] = positionals;
  const command = name === undefined ? undefined : findCommand(name);
  const where = command ? `${command.name}: ` : '';
  const seeHelp = command ? `see redis-ha ${command.name} --help` : 'see redis-ha --help';
  const values: OptionValues = {};
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec: OptionSpec | undefined = (OPTIONS as Record<string, OptionSpec>)[token.name];
    if (!spec)
      throw new CliError(ExitCode.usage, `${where}unknown option ${token.rawName} (${seeHelp})`);
    const option = token.name as OptionName;
    if (spec.type === 'boolean') {
      if (token.value !== undefined)
        throw new CliError(ExitCode.usage, `${where}--${option} takes no value (${seeHelp})`);
      (values as Record<string, boolean>)[option] = true;
    } else {
      const isMissing =
        token.value === undefined || (!token.inlineValue && token.value.startsWith('-'));
      if (isMissing)
        throw new CliError(
          ExitCode.usage,
          `${where}--${option} needs a value: --${option} ${spec.value ?? '<value>'} (${seeHelp})`,
        );
      (values as Record<string, string>)[option] = token.value;
    }
  }
  if (name !== undefined && !command)
    throw new CliError(ExitCode.usage, `unknown command "${name}" (see redis-ha --help)`);
  if (command) {
    for (const option of Object.keys(values) as OptionName[]) {
      if (!GLOBAL_OPTIONS.includes(option) && !command.options.includes(option))
        throw new CliError(
          ExitCode.usage,
          `${command.name}: option --${option} does not apply (${seeHelp})`,
        );
    }
  }
  return { command, args, values };
}
