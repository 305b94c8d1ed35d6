// Logger that writes one JSON object per line (the shape Powertools Logger prints), to stderr
// by default so that a command's own output stays machine-readable on stdout.
import type { Logger } from '../../core/ports';

export type LogLevel = 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2, silent: 3 };

export class JsonLogger implements Logger {
  constructor(
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
    private readonly level: LogLevel = 'info',
    private readonly base: Record<string, unknown> = { service: 'redis-ha' },
  ) {}

  info(message: string, fields?: Record<string, unknown>): void {
    this.log('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.log('error', message, fields);
  }

  private log(
    level: Exclude<LogLevel, 'silent'>,
    message: string,
    fields?: Record<string, unknown>,
  ): void {
    if (RANK[level] < RANK[this.level]) return;
    const core = { level: level.toUpperCase(), timestamp: new Date().toISOString(), message };
    // Core keys come first and win: a field named `message` must not replace the log message.
    this.write(`${JSON.stringify({ ...core, ...this.base, ...fields, ...core })}\n`);
  }
}
