// The command line's own words: `<command> --help` for every command, help that lists exactly
// the options the parser takes, usage errors that name the option and the command (never
// Node's raw parser text), and a README that lists every command, exit code and event type.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, OPTIONS, type OptionName } from '../../cli/command-table';
import { EXIT_CODE_MEANINGS, ExitCode } from '../../cli/exit-codes';
import { EventType } from '../../functions/core/events';
import { cli } from '../support/in-process-cli';

const README = readFileSync('README.md', 'utf8');
const NODE_PARSER_TEXT =
  /ERR_PARSE_ARGS|To specify a positional argument|argument is ambiguous|Unknown option '/;

describe('redis-ha <command> --help', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    '%s --help prints its usage, its options and its exit codes',
    async (name, command) => {
      const result = await cli([name, '--help']);

      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: redis-ha ${name}\\b`));
      for (const line of command.usage) expect(result.stdout).toContain(`redis-ha ${line}`);
      expect(result.stdout).toMatch(/\nExit codes:\n/);
      for (const entry of command.exitCodes) {
        const code = typeof entry === 'number' ? entry : entry[0];
        expect(result.stdout).toMatch(new RegExp(`\\n +${code}  \\S`));
      }
    },
  );

  it.each(COMMANDS.map((c) => [c.name] as const))(
    '%s --help lists exactly the options the command accepts',
    async (name) => {
      const help = (await cli([name, '--help'])).stdout;
      const listed = new Set([...help.matchAll(/--([a-z-]+)/g)].map((m) => m[1]));

      for (const option of Object.keys(OPTIONS) as OptionName[]) {
        const value = OPTIONS[option].type === 'string' ? ['1'] : [];
        const result = await cli([name, `--${option}`, ...value, '--help']);
        const isAccepted = result.code === 0;
        expect(isAccepted, `${name} --${option}`).toBe(listed.has(option));
      }
    },
  );

  it('redis-ha --help lists every command and every exit code', async () => {
    const result = await cli(['--help']);

    expect(result.code).toBe(0);
    for (const command of COMMANDS)
      expect(result.stdout).toMatch(new RegExp(`\\n  ${command.name}\\b`));
    for (const code of Object.values(ExitCode))
      expect(result.stdout).toContain(`${String(code).padStart(3)}  ${EXIT_CODE_MEANINGS[code]}`);
  });

  it('exits 64 with the usage when no command is given', async () => {
    const result = await cli([]);

    expect(result.code).toBe(ExitCode.usage);
    expect(result.stdout).toMatch(/^Usage: redis-ha <command>/);
  });
});

describe('usage errors', () => {
  it.each([
    [['probe', '--bogus'], 'probe: unknown option --bogus (see redis-ha probe --help)'],
    [['events', '-x'], 'events: unknown option -x (see redis-ha events --help)'],
    [['--bogus'], 'unknown option --bogus (see redis-ha --help)'],
    [['events', '--limit'], 'events: --limit needs a value: --limit <n>'],
    [['events', '--cluster', '--json'], 'events: --cluster needs a value: --cluster <name>'],
    [['status', '--json=yes'], 'status: --json takes no value'],
    [['status', '--follow'], 'status: option --follow does not apply'],
    [['validate', '--json'], 'validate: option --json does not apply'],
    [['frobnicate'], 'unknown command "frobnicate" (see redis-ha --help)'],
    [['events', '--limit', '0'], '--limit: expected a positive whole number, got "0"'],
    [['watch', '--interval', 'soon'], '--interval: expected a duration such as 10s, got "soon"'],
    [['status', '--log-level', 'loud'], '--log-level: expected info, warn, error or silent'],
  ])('%j exits 64 saying %j, never with Node parser text', async (args, message) => {
    const result = await cli(args);

    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(NODE_PARSER_TEXT);
  });
});

describe('README', () => {
  it('lists every command in the CLI reference', () => {
    for (const command of COMMANDS)
      expect(README).toMatch(new RegExp(`\\n\\| \`${command.name}\\b`));
  });

  it('lists every exit code in the exit-code table', () => {
    for (const code of Object.values(ExitCode))
      expect(README).toMatch(new RegExp(`\\n\\| ${code} +\\|`));
  });

  it('lists every event type in the event reference', () => {
    for (const type of Object.values(EventType)) expect(README).toContain(`| \`${type}\``);
  });
});
