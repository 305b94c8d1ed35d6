// RedisGateway over ioredis. Probe connections follow ioredis's SentinelConnector habits: no
// retry strategy, no ready check, explicit connect and command timeouts, an `error` listener so
// a dead node never crashes the process, and disconnect() in finally. Never logs a password.
import { readFileSync } from 'node:fs';
import Redis, { type RedisOptions } from 'ioredis';
import { GatewayError, redact } from '../../core/errors';
import type { Endpoint } from '../../core/endpoint';
import type {
  Failure,
  NodeAnswer,
  SentinelAnswer,
  SentinelReplica,
  SentinelView,
} from '../../core/observation';
import type {
  ConnectionOptions,
  RedisGateway,
  SentinelListener,
  SentinelSubscription,
} from '../../core/ports';

const MAX_RECONNECT_DELAY_MS = 5000;

/** How a subscription notices a sentinel that stopped answering on a socket that looks open. */
export interface SubscriptionLiveness {
  /** PING the subscribed connection this often. */
  readonly pingIntervalMs: number;
  /** A PING or PSUBSCRIBE unanswered for this long means the subscription is dead. */
  readonly deadlineMs: number;
}

export const DEFAULT_LIVENESS: SubscriptionLiveness = { pingIntervalMs: 2000, deadlineMs: 3000 };

export class IoredisGateway implements RedisGateway {
  /** `liveness`: how often subscriptions are PINGed and how long a reply may take. */
  constructor(private readonly liveness: SubscriptionLiveness = DEFAULT_LIVENESS) {}

  async querySentinel(
    endpoint: Endpoint,
    options: ConnectionOptions,
    masterName: string,
    signal?: AbortSignal,
  ): Promise<SentinelAnswer> {
    return this.withConnection(endpoint, options, signal, async (redis) => {
      const replies = await redis
        .pipeline()
        .call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)
        .call('SENTINEL', 'MASTER', masterName)
        .call('SENTINEL', 'REPLICAS', masterName)
        .call('SENTINEL', 'CKQUORUM', masterName)
        .call('INFO', 'sentinel')
        .exec();
      const [addr, master, replicas, ckquorum, info] = (replies ?? []).map(([err, value]) => ({
        err,
        value,
      }));
      // ioredis times out (and fails on a lost socket) per command: one late or lost reply
      // means this sentinel did not answer, not that it answered "no quorum" or "no master".
      const lost = (replies ?? []).find(([err]) => err && !isServerError(err))?.[0];
      if (lost || !replies || replies.length < 5) throw lost ?? new Error('incomplete reply');
      // A user without INFO rights still gets probed; only TILT stays unknown then.
      const authError = [addr, master, replicas, ckquorum].find(
        (reply) => reply?.err && isAuthError(reply.err),
      )?.err;
      if (authError) throw authError;
      // A refused or failed lookup is a server fault, never "this name is not monitored".
      if (addr?.err) throw addr.err;
      const address = addr?.value as [string, string] | null | undefined;
      if (!address) {
        // Only for the message; a user not allowed SENTINEL MASTERS still gets MASTER_UNKNOWN.
        const masters = (await redis.call('SENTINEL', 'MASTERS').catch((error: unknown) => {
          if (isServerError(error)) return [];
          throw error;
        })) as unknown[];
        return unmonitored(masters.map((raw) => pairs(raw).name ?? '').filter(Boolean), info);
      }
      // The name is monitored: MASTER and REPLICAS failing now is a server fault, not an answer.
      const failed = master?.err ?? replicas?.err;
      if (failed) throw failed;
      const fields = pairs(master?.value);
      return {
        ok: true,
        masterAddress: { host: address[0], port: Number(address[1]) },
        masterFlags: (fields.flags ?? '').split(',').filter(Boolean),
        recordAddress: fields.ip ? { host: fields.ip, port: Number(fields.port) } : null,
        configEpoch: Number(fields['config-epoch'] ?? 0),
        numOtherSentinels: Number(fields['num-other-sentinels'] ?? 0),
        quorum: Number(fields.quorum ?? 0),
        quorumError: ckquorum?.err ? firstLine(ckquorum.err) : null,
        replicas: ((replicas?.value ?? []) as unknown[]).map(toReplica),
        isTilt: isTilt(info),
      };
    });
  }

  async queryRole(
    endpoint: Endpoint,
    options: ConnectionOptions,
    signal?: AbortSignal,
  ): Promise<NodeAnswer> {
    return this.withConnection(endpoint, options, signal, async (redis) => {
      const reply = (await redis.call(renamed(options, 'ROLE'))) as unknown[];
      const role = String(reply[0]);
      if (role === 'master') {
        const replicas = (reply[2] as [string, string, string][]).map(([host, port, offset]) => ({
          endpoint: { host, port: Number(port) },
          offset: Number(offset),
        }));
        return { ok: true, role: 'master', offset: Number(reply[1]), replicas };
      }
      if (role === 'slave') {
        return {
          ok: true,
          role: 'slave',
          offset: Number(reply[4]),
          replicas: [],
          masterEndpoint: { host: String(reply[1]), port: Number(reply[2]) },
          linkState: String(reply[3]),
        };
      }
      return { ok: true, role: 'sentinel', offset: 0, replicas: [] };
    });
  }

  async run(
    endpoint: Endpoint,
    options: ConnectionOptions,
    commands: readonly (readonly string[])[],
    signal?: AbortSignal,
  ): Promise<unknown[]> {
    const aborted = () =>
      new GatewayError('timeout', `${endpoint.host}:${endpoint.port}: ${ABORTED.detail}`);
    if (signal?.aborted) throw aborted();
    const { redis, socketError } = this.connection(endpoint, options);
    const work = async () => {
      await redis.connect();
      await authenticate(redis, options);
      const results: unknown[] = [];
      for (const [name, ...args] of commands) {
        if (!name) continue;
        results.push(await redis.call(renamed(options, name), ...args));
      }
      return results;
    };
    try {
      const outcome = await untilAborted(redis, work(), signal);
      if (outcome === WAS_ABORTED) throw aborted();
      return outcome;
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      if (signal?.aborted) throw aborted();
      const failure = classify(error, options, socketError());
      throw new GatewayError(
        failure.failure,
        `${endpoint.host}:${endpoint.port}: ${failure.detail}`,
      );
    } finally {
      redis.disconnect();
    }
  }

  subscribe(
    endpoint: Endpoint,
    options: ConnectionOptions,
    listener: SentinelListener,
  ): SentinelSubscription {
    return new LiveSubscription(endpoint, options, listener, this.liveness);
  }

  /** A one-shot connection, and the last socket error ioredis reported on it. */
  private connection(
    endpoint: Endpoint,
    options: ConnectionOptions,
  ): { redis: Redis; socketError: () => Error | undefined } {
    const redis = new Redis({
      ...baseOptions(endpoint, options),
      lazyConnect: true,
      retryStrategy: () => null,
    });
    // ioredis rejects with "Connection is closed." and reports the cause only as an event.
    let socketError: Error | undefined;
    redis.on('error', (error: Error) => (socketError = error));
    return { redis, socketError: () => socketError };
  }

  private async withConnection<T extends { ok: true }>(
    endpoint: Endpoint,
    options: ConnectionOptions,
    signal: AbortSignal | undefined,
    work: (redis: Redis) => Promise<T>,
  ): Promise<T | Failure> {
    if (signal?.aborted) return ABORTED;
    const { redis, socketError } = this.connection(endpoint, options);
    try {
      const outcome = await untilAborted(
        redis,
        (async () => {
          await redis.connect();
          await authenticate(redis, options);
          return work(redis);
        })(),
        signal,
      );
      return outcome === WAS_ABORTED ? ABORTED : outcome;
    } catch (error) {
      if (signal?.aborted) return ABORTED;
      return classify(error, options, socketError());
    } finally {
      redis.disconnect();
    }
  }
}

/** What a call cut short by its AbortSignal reports: it did not answer in time. */
const ABORTED = { ok: false, failure: 'timeout', detail: 'aborted' } as const satisfies Failure;

const WAS_ABORTED = Symbol('aborted');

/**
 * `work`, or WAS_ABORTED the moment `signal` aborts: then the connection is closed at once (the
 * socket destroyed, not half-closed: a frozen peer would never finish the close), so a Lambda
 * stopping before its deadline leaves no socket behind. `work`'s own late failure is ignored.
 */
async function untilAborted<T>(
  redis: Redis,
  work: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T | typeof WAS_ABORTED> {
  if (!signal) return work;
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<typeof WAS_ABORTED>((resolve) => {
    onAbort = () => {
      redis.disconnect();
      redis.stream?.destroy();
      resolve(WAS_ABORTED);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function baseOptions(endpoint: Endpoint, options: ConnectionOptions): RedisOptions {
  return {
    host: endpoint.host,
    port: endpoint.port,
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: false,
    ...(options.tls ? { tls: tlsOptions(options.tls) } : {}),
  };
}

// The CA file is read once per process: every probe of a TLS cluster dials several nodes.
const caCache = new Map<string, string>();

function tlsOptions({ caFile, ...tls }: NonNullable<ConnectionOptions['tls']>) {
  if (!caFile) return tls;
  const ca = caCache.get(caFile) ?? readFileSync(caFile, 'utf8');
  caCache.set(caFile, ca);
  return { ...tls, ca };
}

function credentials(options: ConnectionOptions): RedisOptions {
  return {
    ...(options.username ? { username: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
  };
}

/** AUTH as its own command, so that a refusal is an answer we can classify, not a retry loop. */
async function authenticate(redis: Redis, options: ConnectionOptions): Promise<void> {
  if (!options.password) return;
  if (options.username) await redis.call('AUTH', options.username, options.password);
  else await redis.call('AUTH', options.password);
}

function renamed(options: ConnectionOptions, command: string): string {
  return options.commandRenames?.[command.toUpperCase()] ?? command;
}

function isAuthError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /^(WRONGPASS|NOAUTH|NOPERM)|invalid password|ERR AUTH/i.test(message);
}

/** An error reply from the server (`-ERR ...`), as opposed to a socket or client-side failure. */
function isServerError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

const SOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ECONNABORTED: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  EHOSTDOWN: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
};

/**
 * Says what happened in words an operator can act on. ioredis's "Connection is closed." only
 * means the socket went away: the cause is the last socket error it emitted, or the server
 * closing the connection when there was none. Server error texts are kept (first line,
 * passwords redacted); socket errors are reduced to their kind.
 */
function classify(error: unknown, options: ConnectionOptions, socketError?: Error): Failure {
  const detail = redact(firstLine(error), [options.password]);
  if (isAuthError(error)) return { ok: false, failure: 'auth-failed', detail };
  if (isServerError(error)) return { ok: false, failure: 'error', detail };
  const message = error instanceof Error ? error.message : String(error);
  if (message === 'Command timed out')
    return {
      ok: false,
      failure: 'timeout',
      detail: `timed out after ${options.commandTimeoutMs} ms`,
    };
  const isClosed = message === 'Connection is closed.';
  const cause = isClosed && socketError ? socketError : error;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code === 'ETIMEDOUT')
    return {
      ok: false,
      failure: 'timeout',
      detail: `connect timed out after ${options.connectTimeoutMs} ms`,
    };
  const kind = SOCKET_ERRORS[code];
  if (kind) return { ok: false, failure: 'unreachable', detail: kind };
  if (/^(ERR_TLS|ERR_SSL)|CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code))
    return { ok: false, failure: 'tls-failed', detail: `TLS: ${firstLine(cause)}` };
  if (isClosed)
    return { ok: false, failure: 'unreachable', detail: 'connection closed by the server' };
  return { ok: false, failure: 'error', detail: redact(firstLine(cause), [options.password]) };
}

/** A sentinel that does not monitor the name: what it does monitor, for the message. */
function unmonitored(
  monitoredMasters: string[],
  info: { err: unknown; value: unknown } | undefined,
): SentinelView {
  return {
    ok: true,
    masterAddress: null,
    masterFlags: [],
    recordAddress: null,
    configEpoch: 0,
    numOtherSentinels: 0,
    quorum: 0,
    quorumError: null,
    replicas: [],
    isTilt: isTilt(info),
    monitoredMasters,
  };
}

/** `sentinel_tilt:1` in `INFO sentinel`; false when INFO was refused. */
function isTilt(info: { err: unknown; value: unknown } | undefined): boolean {
  return !info?.err && /^sentinel_tilt:1\r?$/m.test(String(info?.value ?? ''));
}

function pairs(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(value)) return out;
  for (let i = 0; i + 1 < value.length; i += 2) out[String(value[i])] = String(value[i + 1]);
  return out;
}

function toReplica(raw: unknown): SentinelReplica {
  const fields = pairs(raw);
  const role = fields['role-reported'];
  const roleReportedTime = fields['role-reported-time'] ?? '';
  return {
    endpoint: { host: fields.ip ?? '', port: Number(fields.port ?? 0) },
    flags: (fields.flags ?? '').split(',').filter(Boolean),
    masterLinkStatus: fields['master-link-status'] ?? 'unknown',
    ...(role === 'master' || role === 'slave' ? { roleReported: role } : {}),
    ...(/^\d+$/.test(roleReportedTime) ? { roleReportedMs: Number(roleReportedTime) } : {}),
    ...(fields.runid !== undefined ? { runId: fields.runid } : {}),
  };
}

/**
 * One PSUBSCRIBE * to one sentinel, kept alive for good. The subscription counts as live only
 * once the sentinel acknowledged PSUBSCRIBE, and is declared dead when a PING goes unanswered
 * past the deadline: a sentinel that restarted during a partition, or is frozen, leaves a
 * socket that looks open for hours. Then the socket is destroyed and ioredis reconnects with
 * backoff. The listener hears one `onDisconnected` per outage (not one per failed attempt) and
 * one `onConnected` per recovery, and nothing after `close()`.
 */
class LiveSubscription implements SentinelSubscription {
  private readonly redis: Redis;
  private readonly heartbeat: NodeJS.Timeout;
  private phase: 'connecting' | 'live' | 'lost' | 'closed' = 'connecting';
  private isPinging = false;
  /** The socket's last error, worded as the probes word it ("connection refused"). */
  private lastError: string | null = null;
  /** Counts connections, so that a late failure of an old one never kills its successor. */
  private generation = 0;

  constructor(
    endpoint: Endpoint,
    private readonly options: ConnectionOptions,
    private readonly listener: SentinelListener,
    private readonly liveness: SubscriptionLiveness,
  ) {
    this.redis = new Redis({
      ...baseOptions(endpoint, options),
      ...credentials(options),
      // Deadlines here are the liveness deadline, not the per-command timeout of probes.
      commandTimeout: undefined,
      lazyConnect: false,
      // Subscribed again by hand at every `ready`, so that the acknowledgement is observed.
      autoResubscribe: false,
      // CLIENT SETINFO would delay `ready` on a frozen sentinel; sentinels do not need it.
      disableClientInfo: true,
      // Back off exponentially with jitter while a sentinel is away; never give up.
      retryStrategy: (times) => {
        const ceiling = Math.min(MAX_RECONNECT_DELAY_MS, 100 * 2 ** Math.min(times, 10));
        return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
      },
    });
    this.redis.on('error', (error: Error) => (this.lastError = classify(error, options).detail));
    this.redis.on('ready', () => void this.subscribe());
    this.redis.on('close', () => {
      this.generation += 1;
      this.lose(this.lastError ?? 'connection closed');
    });
    this.redis.on('pmessage', (_pattern: string, channel: string, message: string) =>
      listener.onEvent(channel, message),
    );
    this.heartbeat = setInterval(() => void this.ping(), liveness.pingIntervalMs);
    this.heartbeat.unref();
  }

  async close(): Promise<void> {
    this.phase = 'closed';
    clearInterval(this.heartbeat);
    this.redis.disconnect();
    // disconnect() only half-closes: a frozen sentinel never finishes the close, and its
    // socket would keep the process alive after Ctrl-C.
    this.redis.stream?.destroy();
  }

  private async subscribe(): Promise<void> {
    this.lastError = null;
    const generation = this.generation;
    try {
      await this.withinDeadline(this.redis.psubscribe('*'), 'PSUBSCRIBE');
    } catch (error) {
      this.kill(error, generation);
      return;
    }
    if (generation !== this.generation) return;
    if (this.phase === 'closed' || this.phase === 'live') return;
    this.phase = 'live';
    this.listener.onConnected();
  }

  private async ping(): Promise<void> {
    if (this.phase !== 'live' || this.isPinging || this.redis.status !== 'ready') return;
    this.isPinging = true;
    const generation = this.generation;
    try {
      await this.withinDeadline(this.redis.ping(), 'PING');
    } catch (error) {
      this.kill(error, generation);
    } finally {
      this.isPinging = false;
    }
  }

  /** Reports the loss and drops the socket so that ioredis reconnects and we resubscribe. */
  private kill(error: unknown, generation: number): void {
    if (this.phase === 'closed' || generation !== this.generation) return;
    this.lose(classify(error, this.options).detail);
    this.redis.stream?.destroy();
  }

  private lose(detail: string): void {
    if (this.phase === 'closed' || this.phase === 'lost') return;
    this.phase = 'lost';
    this.listener.onDisconnected(detail);
  }

  private withinDeadline<T>(work: Promise<T>, command: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no reply to ${command} within ${this.liveness.deadlineMs} ms`)),
        this.liveness.deadlineMs,
      );
      timer.unref();
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }
}
