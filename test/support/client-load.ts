// Client load during a rotation, as the platforms produce it: ioredis clients that reconnect
// every few commands with the password parameter's current value, and redis-benchmark bursts
// (each a new process, so new connections that AUTH) with the password they were told to use.
// Every failed command is counted; error texts are kept with passwords masked.
import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { redact } from '../../functions/core/errors';

export interface LoadReport {
  readonly ioredisCommands: number;
  readonly ioredisFailures: number;
  readonly benchmarkRuns: number;
  readonly benchmarkFailures: number;
  readonly errors: readonly string[];
}

export interface LoadOptions {
  readonly port: number;
  readonly username?: string;
  /** The password parameter's current value, read afresh at every reconnect. */
  readonly currentPassword: () => Promise<string>;
  readonly ioredisClients?: number;
  readonly commandsPerConnection?: number;
}

export class ClientLoad {
  private isRunning = true;
  private benchmarkPassword: string;
  private readonly loops: Promise<void>[] = [];
  private ioredisCommands = 0;
  private ioredisFailures = 0;
  private benchmarkRuns = 0;
  private benchmarkFailures = 0;
  private readonly errors: string[] = [];
  private readonly secrets: string[] = [];

  constructor(
    private readonly options: LoadOptions,
    initialBenchmarkPassword: string,
  ) {
    this.benchmarkPassword = initialBenchmarkPassword;
    this.secrets.push(initialBenchmarkPassword);
  }

  start(): void {
    for (let i = 0; i < (this.options.ioredisClients ?? 4); i++)
      this.loops.push(this.ioredisLoop(i));
    this.loops.push(this.benchmarkLoop());
  }

  /** From now on, redis-benchmark bursts authenticate with `password` (step 6 of a rotation). */
  switchBenchmarkPassword(password: string): void {
    this.secrets.push(password);
    this.benchmarkPassword = password;
  }

  /** Commands and redis-benchmark runs so far, to wait for progress (never for time). */
  progress(): { readonly ioredisCommands: number; readonly benchmarkRuns: number } {
    return { ioredisCommands: this.ioredisCommands, benchmarkRuns: this.benchmarkRuns };
  }

  async stop(): Promise<LoadReport> {
    this.isRunning = false;
    await Promise.all(this.loops);
    return {
      ioredisCommands: this.ioredisCommands,
      ioredisFailures: this.ioredisFailures,
      benchmarkRuns: this.benchmarkRuns,
      benchmarkFailures: this.benchmarkFailures,
      errors: this.errors.map((e) => redact(e, this.secrets)),
    };
  }

  private async ioredisLoop(worker: number): Promise<void> {
    while (this.isRunning) {
      const password = await this.options.currentPassword();
      this.secrets.push(password);
      const redis = new Redis({
        host: '127.0.0.1',
        port: this.options.port,
        password,
        ...(this.options.username ? { username: this.options.username } : {}),
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      redis.on('error', () => undefined);
      try {
        await redis.connect();
        for (let i = 0; i < (this.options.commandsPerConnection ?? 10) && this.isRunning; i++) {
          await redis.set(`load:${worker}`, String(i));
          await redis.get(`load:${worker}`);
          this.ioredisCommands += 2;
        }
        await redis.quit();
      } catch (error) {
        this.ioredisFailures += 1;
        this.errors.push(`ioredis: ${error instanceof Error ? error.message : String(error)}`);
        redis.disconnect();
      }
    }
  }

  private async benchmarkLoop(): Promise<void> {
    while (this.isRunning) {
      const args = [
        '-h',
        '127.0.0.1',
        '-p',
        String(this.options.port),
        '-a',
        this.benchmarkPassword,
        '-c',
        '2',
        '-n',
        '400',
        '-t',
        'set,get',
        '-q',
      ];
      if (this.options.username) args.push('--user', this.options.username);
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
        (resolve) => {
          const child = spawn('redis-benchmark', args, { stdio: ['ignore', 'ignore', 'pipe'] });
          let stderrText = '';
          child.stderr.on('data', (chunk: Buffer) => (stderrText += chunk.toString()));
          child.on('close', (exitCode) => resolve({ code: exitCode, stderr: stderrText }));
        },
      );
      this.benchmarkRuns += 1;
      const failures = (stderr.match(/Error from server|replied with error|Error:/g) ?? []).length;
      if (code !== 0 || failures > 0) {
        this.benchmarkFailures += Math.max(1, failures);
        this.errors.push(
          `redis-benchmark (exit ${code}): ${stderr.split('\n').find((l) => /error/i.test(l)) ?? ''}`,
        );
      }
    }
  }
}
