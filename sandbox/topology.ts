// Starts a real Redis topology on free loopback ports: one master, replicas and sentinels, each
// a `redis-server` process with its own config file (0600: it holds the password). Used by the
// demo (`redis-ha sandbox`), every integration test and the benchmarks. Always cleans up, even when
// the caller crashes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RedisHaError } from '../functions/core/errors';

export interface TopologyOptions {
  /** Password of the data nodes (default user, or `username` when set). */
  readonly password: string;
  /** ACL user the platforms log in as; the default user is then disabled. */
  readonly username?: string;
  /** Password the sentinels require of their clients, if any. */
  readonly sentinelPassword?: string;
  readonly replicas?: number;
  readonly sentinels?: number;
  readonly quorum?: number;
  readonly downAfterMs?: number;
  readonly failoverTimeoutMs?: number;
  readonly masterName?: string;
  /** `rename-command` on the data nodes, e.g. `{ CONFIG: 'RP_CONFIG_x' }`. */
  readonly commandRenames?: Readonly<Record<string, string>>;
  /** Use an ACL file (`aclfile`) instead of users in redis.conf. */
  readonly useAclFile?: boolean;
  /**
   * Serve TLS only (`port 0`, `tls-port`) on data nodes and sentinels, with replication and the
   * sentinels' own links over TLS too. Clients need no certificate of their own.
   */
  readonly tls?: TopologyTls;
  /** ACL user the sentinels require (with `sentinelPassword`); their default user is then off. */
  readonly sentinelUsername?: string;
  /**
   * Start the data nodes from command-line arguments only (`redis-server --port N
   * --requirepass X ...`), as the official Docker image does: no config file, so CONFIG REWRITE
   * fails. The would-be config stays on disk (0600) only to restart a node the same way.
   */
  readonly withoutConfigFile?: boolean;
}

/** PEM files for a TLS topology; every process serves the same certificate. */
export interface TopologyTls {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Name the harness's own clients verify, when the certificate does not name 127.0.0.1. */
  readonly servername?: string;
}

export interface RedisProcess {
  readonly role: 'node' | 'sentinel';
  readonly port: number;
  readonly configFile: string;
  child: ChildProcess | null;
}

const live = new Set<ChildProcess>();
let isExitHookInstalled = false;

function installExitHook(): void {
  if (isExitHookInstalled) return;
  isExitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Spawns a process that is SIGKILLed when this process exits, whatever happened to the caller. */
export function spawnTracked(command: string, args: readonly string[]): ChildProcess {
  installExitHook();
  const child = spawn(command, args, { stdio: 'ignore' });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** SIGKILLs a child (resuming it first, in case it is SIGSTOPped) and waits for its exit. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGCONT');
  child.kill('SIGKILL');
  await exited;
}

/** Throws a clear error, with how to install it, when redis-server is not on the PATH. */
export function assertRedisServerInstalled(): string {
  const result = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new RedisHaError(
      'REDIS_SERVER_MISSING',
      'redis-server was not found on the PATH. Install it: `apt-get install -y redis-server redis-sentinel` (Debian/Ubuntu) or `brew install redis` (macOS).',
    );
  }
  return result.stdout.trim();
}

export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import('node:net').Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export class Topology {
  readonly masterName: string;
  readonly nodes: RedisProcess[] = [];
  readonly sentinels: RedisProcess[] = [];
  readonly dir: string;

  private sentinelPassword: string | undefined;

  private constructor(readonly options: TopologyOptions) {
    this.sentinelPassword = options.sentinelPassword;
    this.masterName = options.masterName ?? 'mymaster';
    this.dir = mkdtempSync(join(tmpdir(), 'redis-ha-topology-'));
  }

  /** Starts the topology and waits until sentinels know each other and all replicas. */
  static async start(options: TopologyOptions): Promise<Topology> {
    assertRedisServerInstalled();
    installExitHook();
    const topology = new Topology(options);
    try {
      await topology.boot();
      return topology;
    } catch (error) {
      await topology.stop();
      throw error;
    }
  }

  get sentinelAddresses(): string[] {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`);
  }

  private async boot(): Promise<void> {
    const replicas = this.options.replicas ?? 2;
    const sentinels = this.options.sentinels ?? 3;
    const ports = await freePorts(1 + replicas + sentinels);
    const masterPort = ports[0] as number;
    for (let i = 0; i <= replicas; i++) {
      const port = ports[i] as number;
      const configFile = join(this.dir, `node-${port}.conf`);
      writeFileSync(configFile, this.nodeConfig(port, i === 0 ? null : masterPort), {
        mode: 0o600,
      });
      if (this.options.useAclFile)
        writeFileSync(join(this.dir, `users-${port}.acl`), this.aclLines().join('\n') + '\n', {
          mode: 0o600,
        });
      this.nodes.push({ role: 'node', port, configFile, child: null });
    }
    for (let i = 0; i < sentinels; i++) {
      const port = ports[1 + replicas + i] as number;
      const configFile = join(this.dir, `sentinel-${port}.conf`);
      writeFileSync(configFile, this.sentinelConfig(port, masterPort), { mode: 0o600 });
      this.sentinels.push({ role: 'sentinel', port, configFile, child: null });
    }
    await Promise.all(this.nodes.map((n) => this.launch(n)));
    await this.waitForReplication(replicas);
    await Promise.all(this.sentinels.map((s) => this.launch(s)));
    await this.waitForSentinels(sentinels, replicas);
  }

  private aclLines(): string[] {
    const { username, password } = this.options;
    return username
      ? [`user ${username} on >${password} ~* &* +@all`, `user default off`]
      : [`user default on >${password} ~* &* +@all`];
  }

  private nodeConfig(port: number, replicaOf: number | null): string {
    const { username, password, commandRenames = {} } = this.options;
    const lines = [
      ...this.listenLines(port),
      'bind 127.0.0.1',
      `dir ${this.dir}`,
      `logfile ${join(this.dir, `node-${port}.log`)}`,
      'save ""',
      'appendonly no',
      'repl-diskless-sync yes',
      'repl-diskless-sync-delay 0',
      `masterauth ${password}`,
      ...(username ? [`masteruser ${username}`] : []),
      // Without an ACL user: the requirepass style most platform guides show.
      ...(this.options.useAclFile
        ? [`aclfile ${join(this.dir, `users-${port}.acl`)}`]
        : username
          ? this.aclLines()
          : [`requirepass ${password}`]),
      ...(replicaOf ? [`replicaof 127.0.0.1 ${replicaOf}`] : []),
      ...Object.entries(commandRenames).map(([from, to]) => `rename-command ${from} ${to}`),
    ];
    return lines.join('\n') + '\n';
  }

  private sentinelConfig(port: number, masterPort: number): string {
    const { username, password, sentinelPassword, commandRenames = {} } = this.options;
    const name = this.masterName;
    const lines = [
      ...this.listenLines(port),
      'bind 127.0.0.1',
      `dir ${this.dir}`,
      `logfile ${join(this.dir, `sentinel-${port}.log`)}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${this.options.quorum ?? 2}`,
      `sentinel down-after-milliseconds ${name} ${this.options.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${name} ${this.options.failoverTimeoutMs ?? 5000}`,
      `sentinel parallel-syncs ${name} 2`,
      `sentinel auth-pass ${name} ${password}`,
      ...(username ? [`sentinel auth-user ${name} ${username}`] : []),
      ...(sentinelPassword && !this.options.sentinelUsername
        ? [`requirepass ${sentinelPassword}`, `sentinel sentinel-pass ${sentinelPassword}`]
        : []),
      ...(sentinelPassword && this.options.sentinelUsername
        ? [
            `user ${this.options.sentinelUsername} on >${sentinelPassword} ~* &* +@all`,
            'user default off',
            `sentinel sentinel-user ${this.options.sentinelUsername}`,
            `sentinel sentinel-pass ${sentinelPassword}`,
          ]
        : []),
      ...Object.entries(commandRenames).map(
        ([from, to]) => `sentinel rename-command ${name} ${from} ${to}`,
      ),
    ];
    return lines.join('\n') + '\n';
  }

  /** `port` in plain TCP, or TLS only on that port with the topology's certificate. */
  private listenLines(port: number): string[] {
    const tls = this.options.tls;
    if (!tls) return [`port ${port}`];
    return [
      'port 0',
      `tls-port ${port}`,
      `tls-cert-file ${tls.certFile}`,
      `tls-key-file ${tls.keyFile}`,
      `tls-ca-cert-file ${tls.caFile}`,
      'tls-auth-clients no',
      'tls-replication yes',
    ];
  }

  /**
   * Restarts a process from its config file, as an operator's restart would; readiness is a
   * bare TCP+PING that accepts NOAUTH, since the password may have been rotated meanwhile.
   */
  async restartWith(processInfo: RedisProcess): Promise<void> {
    await this.kill(processInfo);
    await this.launch(processInfo, true);
  }

  private async launch(processInfo: RedisProcess, isAnyAnswerReady = false): Promise<void> {
    const args =
      processInfo.role === 'sentinel'
        ? [processInfo.configFile, '--sentinel']
        : this.options.withoutConfigFile
          ? configAsArguments(readFileSync(processInfo.configFile, 'utf8'))
          : [processInfo.configFile];
    const child = spawnTracked('redis-server', args);
    processInfo.child = child;
    await this.waitFor(
      async () =>
        isAnyAnswerReady
          ? (await rawPing(processInfo.port, this.options.tls)) !== null
          : await this.answersPing(this.client(processInfo.port, processInfo.role)),
      `port ${processInfo.port}`,
    );
  }

  /** A client for a data node or sentinel of this topology, with the current credentials. */
  client(port: number, role: 'node' | 'sentinel' = 'node', password?: string): Redis {
    const isSentinel = role === 'sentinel';
    const redis = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableReadyCheck: false,
      connectTimeout: 1000,
      commandTimeout: 2000,
      ...(this.options.tls
        ? {
            tls: {
              ca: readFileSync(this.options.tls.caFile, 'utf8'),
              ...(this.options.tls.servername ? { servername: this.options.tls.servername } : {}),
            },
          }
        : {}),
      ...(isSentinel
        ? (password ?? this.sentinelPassword)
          ? {
              password: password ?? this.sentinelPassword,
              ...(this.options.sentinelUsername ? { username: this.options.sentinelUsername } : {}),
            }
          : {}
        : {
            password: password ?? this.options.password,
            ...(this.options.username ? { username: this.options.username } : {}),
          }),
    });
    redis.on('error', () => undefined);
    return redis;
  }

  /** Connects, PINGs and disconnects: true only for +PONG. */
  private async answersPing(redis: Redis): Promise<boolean> {
    try {
      await redis.connect();
      return (await redis.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      redis.disconnect();
    }
  }

  /** Whether the data node on `port` accepts `password` (for the topology's user). */
  accepts(port: number, password: string): Promise<boolean> {
    return this.answersPing(this.client(port, 'node', password));
  }

  /** Log in to the sentinels with `password` from now on (after rotating it). */
  useSentinelPassword(password: string): void {
    this.sentinelPassword = password;
  }

  /** Whether the sentinel on `port` accepts `password`. */
  sentinelAccepts(port: number, password: string): Promise<boolean> {
    return this.answersPing(this.client(port, 'sentinel', password));
  }

  /** Runs one command against a node or sentinel of this topology. */
  call(port: number, role: 'node' | 'sentinel', ...command: string[]): Promise<unknown> {
    return this.callWith(this.client(port, role), command);
  }

  private async waitForReplication(replicas: number): Promise<void> {
    const master = this.nodes[0] as RedisProcess;
    await this.waitFor(async () => {
      const role = (await this.call(master.port, 'node', 'ROLE').catch(() => null)) as
        unknown[] | null;
      return Array.isArray(role?.[2]) && (role[2] as unknown[]).length === replicas;
    }, 'replicas to attach');
  }

  async waitForSentinels(
    sentinels = this.sentinels.length,
    replicas = this.nodes.length - 1,
  ): Promise<void> {
    await this.waitFor(
      async () => {
        for (const sentinel of this.sentinels) {
          if (!sentinel.child) continue;
          const reply = await this.call(
            sentinel.port,
            'sentinel',
            'SENTINEL',
            'MASTER',
            this.masterName,
          ).catch(() => null);
          if (!Array.isArray(reply)) return false;
          const fields = new Map<string, string>();
          for (let i = 0; i + 1 < reply.length; i += 2)
            fields.set(String(reply[i]), String(reply[i + 1]));
          if (Number(fields.get('num-other-sentinels')) < sentinels - 1) return false;
          if (Number(fields.get('num-slaves')) < replicas) return false;
        }
        return true;
      },
      'sentinels to discover each other',
      30_000,
    );
  }

  /** Polls `check` until it is true or `timeoutMs` passes. */
  async waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** The port of the node that currently answers ROLE as master, or null. */
  async currentMasterPort(
    passwords: readonly string[] = [this.options.password],
  ): Promise<number | null> {
    for (const node of this.nodes) {
      if (!node.child) continue;
      for (const password of passwords) {
        const role = (await this.callAs(node.port, password, 'ROLE').catch(() => null)) as
          unknown[] | null;
        if (role?.[0] === 'master') return node.port;
      }
    }
    return null;
  }

  /** Runs one command on a data node, logging in with `password`. */
  callAs(port: number, password: string, ...command: string[]): Promise<unknown> {
    return this.callWith(this.client(port, 'node', password), command);
  }

  private async callWith(redis: Redis, [name, ...args]: string[]): Promise<unknown> {
    try {
      await redis.connect();
      return await redis.call(name as string, ...args);
    } finally {
      redis.disconnect();
    }
  }

  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT) to a node or sentinel. */
  signal(processInfo: RedisProcess, signal: NodeJS.Signals): void {
    processInfo.child?.kill(signal);
    if (signal === 'SIGKILL') processInfo.child = null;
  }

  async kill(processInfo: RedisProcess): Promise<void> {
    const child = processInfo.child;
    if (!child) return;
    processInfo.child = null;
    await killAndWait(child);
  }

  /** Restarts a stopped process from its (possibly rewritten) config file. */
  async restart(processInfo: RedisProcess): Promise<void> {
    await this.kill(processInfo);
    await this.launch(processInfo);
  }

  nodeByPort(port: number): RedisProcess {
    const found = [...this.nodes, ...this.sentinels].find((p) => p.port === port);
    if (!found) throw new Error(`no process on port ${port}`);
    return found;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes, ...this.sentinels].map((p) => this.kill(p)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `port 1\nsave ""` -> `['--port', '1', '--save', '']`: a config file as redis-server arguments. */
function configAsArguments(config: string): string[] {
  return config
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      const [name, ...values] = line.trim().split(/\s+/);
      return [`--${name}`, ...values.map((v) => (v === '""' ? '' : v))];
    });
}

/** Sends PING on a bare socket; any reply (+PONG, -NOAUTH) means the server is up. */
function rawPing(port: number, tls?: TopologyTls): Promise<string | null> {
  return new Promise((resolve) => {
    const socket: Socket = tls
      ? connectTls({
          port,
          host: '127.0.0.1',
          ca: readFileSync(tls.caFile, 'utf8'),
          ...(tls.servername ? { servername: tls.servername } : {}),
        })
      : connect(port, '127.0.0.1');
    const done = (reply: string | null) => {
      socket.destroy();
      resolve(reply);
    };
    socket.setTimeout(500, () => done(null));
    socket.once('error', () => done(null));
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().trim()));
  });
}
