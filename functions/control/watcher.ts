// Keeps a pub/sub subscription to every sentinel and probes a cluster the moment one of its
// sentinels reports something that matters (+switch-master, +odown, ...). Bursts coalesce into
// one probe at a time per cluster; a periodic full probe catches anything missed. Like
// ioredis's failover detector, a sentinel message is a trigger to re-check, never the truth.
import { randomUUID } from 'node:crypto';
import { sentinelEndpoints } from '../core/cluster-addresses';
import { isSentinel } from '../core/cluster-kind';
import type { Cluster, Inventory, SentinelCluster } from '../core/inventory';
import { formatEndpoint } from '../core/endpoint';
import type { SentinelSubscription } from '../core/ports';
import { sentinelConnection } from '../core/connection';
import { loadCredentials } from './probe-cluster';
import {
  ReconcileAbortedError,
  reconcileCluster,
  type ControlDeps,
  type ReconcileReport,
} from './reconcile';

/** Sentinel events that can change a verdict. */
export const TRIGGER_EVENTS: ReadonlySet<string> = new Set([
  '+switch-master',
  '+odown',
  '-odown',
  '+sdown',
  '-sdown',
  '+failover-end',
  '+failover-end-for-timeout',
  '+tilt',
  '-tilt',
  '+config-update-from',
  '+reset-master',
  '+convert-to-slave',
  '+slave',
  '-monitor',
  '+monitor',
]);

export interface WatchHooks {
  onSentinelEvent?(cluster: string, sentinel: string, channel: string, message: string): void;
  onReport?(report: ReconcileReport): void;
  onSubscription?(cluster: string, sentinel: string, isConnected: boolean): void;
  /** Called every interval (never twice at once); scheduled rotations hook in here. */
  onTick?(): Promise<void>;
}

export interface WatchOptions {
  readonly probeIntervalMs: number;
  readonly hooks?: WatchHooks;
  /**
   * Ends the watch (Lambda: shortly before its time runs out): subscriptions closed, a probe in
   * flight abandoned (its connections closed; nothing acted on), a reconcile already acting
   * finished. `stop()` does the same without a signal.
   */
  readonly signal?: AbortSignal;
}

interface ClusterLoop {
  running: Promise<void> | null;
  isPending: boolean;
}

export class Watcher {
  private readonly loops = new Map<string, ClusterLoop>();
  private readonly subscriptions = new Map<
    string,
    { readonly version: number; readonly subscriptions: readonly SentinelSubscription[] }
  >();
  private timer: NodeJS.Timeout | undefined;
  private isStopped = false;
  private stopping: Promise<void> | null = null;
  private tickRunning: Promise<void> | null = null;
  private markStopped: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.markStopped = resolve));

  constructor(
    private readonly inventory: Inventory,
    private readonly deps: ControlDeps,
    private readonly options: WatchOptions,
  ) {}

  /** Subscribes to every sentinel and probes every cluster once; resolves once subscribed. */
  async start(): Promise<void> {
    const { signal } = this.options;
    if (signal?.aborted) {
      await this.stop();
      return;
    }
    signal?.addEventListener('abort', () => void this.stop(), { once: true });
    for (const cluster of this.inventory.clusters) {
      if (this.isStopped) return;
      this.loops.set(cluster.name, { running: null, isPending: false });
      // ElastiCache groups have no sentinels to listen to: the interval (and, deployed, AWS's
      // own notifications) trigger their probes.
      if (isSentinel(cluster)) await this.subscribe(cluster);
      this.schedule(cluster);
    }
    if (this.isStopped) return;
    this.timer = setInterval(() => this.tick(), this.options.probeIntervalMs);
  }

  /**
   * Starts, then watches until the signal aborts (or `stop()` is called) and the watch has
   * stopped: what a Lambda handler awaits with a signal tied to its remaining time.
   */
  async run(): Promise<void> {
    await this.start();
    await this.stopped;
  }

  /** Subscribes to the cluster's sentinels with the sentinel password as stored now. */
  private async subscribe(cluster: SentinelCluster): Promise<void> {
    const credentials = await loadCredentials(cluster, this.deps.parameters);
    // Stopped while the passwords were read: stop() closed what existed, so open nothing.
    if (this.isStopped) return;
    const options = sentinelConnection(cluster, credentials.sentinelPassword);
    const subscriptions = sentinelEndpoints(cluster).map((endpoint) => {
      const sentinel = formatEndpoint(endpoint);
      let wasLost = false;
      // The gateway reports each outage once and each recovery once; messages may have been
      // missed either way, so both are worth a probe.
      return this.deps.gateway.subscribe(endpoint, options, {
        onEvent: (channel, message) => this.onSentinelEvent(cluster, sentinel, channel, message),
        onConnected: () => {
          if (this.isStopped) return;
          this.options.hooks?.onSubscription?.(cluster.name, sentinel, true);
          if (wasLost) {
            this.deps.logger.info('sentinel subscription restored', {
              cluster: cluster.name,
              sentinel,
            });
          }
          wasLost = false;
          this.schedule(cluster);
        },
        onDisconnected: (detail) => {
          if (this.isStopped) return;
          wasLost = true;
          this.options.hooks?.onSubscription?.(cluster.name, sentinel, false);
          this.deps.logger.warn('sentinel subscription lost', {
            cluster: cluster.name,
            sentinel,
            detail,
          });
          this.schedule(cluster);
        },
      });
    });
    this.subscriptions.set(cluster.name, {
      version: credentials.sentinelPasswordVersion ?? 0,
      subscriptions,
    });
  }

  /**
   * A subscription re-authenticates with the password it was created with whenever it
   * reconnects: after the sentinels' password rotates, subscribe again with the new one.
   */
  private async refreshSubscriptions(): Promise<void> {
    for (const cluster of this.inventory.clusters) {
      if (!isSentinel(cluster) || !cluster.sentinelPasswordParameter || this.isStopped) continue;
      const current = this.subscriptions.get(cluster.name);
      const { sentinelPasswordVersion = 0 } = await loadCredentials(cluster, this.deps.parameters);
      if (!current || current.version === sentinelPasswordVersion) continue;
      await Promise.all(current.subscriptions.map((s) => s.close()));
      await this.subscribe(cluster);
      this.deps.logger.info('resubscribed with the rotated sentinel password', {
        cluster: cluster.name,
      });
    }
  }

  /** Stops for good; every caller (the abort signal, the CLI) waits for the same, full stop. */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    this.isStopped = true;
    clearInterval(this.timer);
    await Promise.all(
      [...this.subscriptions.values()].flatMap((c) => c.subscriptions.map((s) => s.close())),
    );
    await Promise.all([...this.loops.values()].map((loop) => loop.running));
    await this.tickRunning;
    this.markStopped();
  }

  /** Resolves once every cluster's current probe (if any) has finished. */
  async idle(): Promise<void> {
    while ([...this.loops.values()].some((loop) => loop.running)) {
      await Promise.all([...this.loops.values()].map((loop) => loop.running));
    }
  }

  private tick(): void {
    for (const cluster of this.inventory.clusters) this.schedule(cluster);
    const onTick = this.options.hooks?.onTick;
    if (this.tickRunning) return;
    this.tickRunning = Promise.all([this.refreshSubscriptions(), onTick?.()])
      .then(() => undefined)
      .catch((error: unknown) => this.deps.logger.error('tick failed', { error: String(error) }))
      .finally(() => (this.tickRunning = null));
  }

  private onSentinelEvent(
    cluster: SentinelCluster,
    sentinel: string,
    channel: string,
    message: string,
  ): void {
    if (!TRIGGER_EVENTS.has(channel)) return;
    // Messages name the master: `master <name> ...`, `... @ <name> ...`, or `<name> ...` for +switch-master.
    if (!message.split(' ').includes(cluster.masterName)) return;
    this.options.hooks?.onSentinelEvent?.(cluster.name, sentinel, channel, message);
    this.deps.logger.info('sentinel event', {
      cluster: cluster.name,
      sentinel,
      channel,
      payload: message,
    });
    this.schedule(cluster);
  }

  /** Probe now, or once more right after the probe in flight: bursts coalesce. */
  schedule(cluster: Cluster): void {
    const loop = this.loops.get(cluster.name);
    if (!loop || this.isStopped) return;
    if (loop.running) {
      loop.isPending = true;
      return;
    }
    loop.running = this.reconcileLoop(cluster, loop);
  }

  private async reconcileLoop(cluster: Cluster, loop: ClusterLoop): Promise<void> {
    do {
      loop.isPending = false;
      const correlationId = randomUUID();
      try {
        const report = await reconcileCluster(cluster, this.deps, {
          runId: correlationId,
          ...(this.options.signal ? { signal: this.options.signal } : {}),
        });
        this.options.hooks?.onReport?.(report);
        if (report.events.length > 0) {
          this.deps.logger.info('transition', {
            cluster: cluster.name,
            correlationId,
            status: report.verdict.status,
            reasons: report.verdict.reasons.map((r) => r.code),
            events: report.events.map((e) => e.type),
            ...(report.isConflict ? { isConflict: true } : {}),
          });
        }
      } catch (error) {
        if (error instanceof ReconcileAbortedError) {
          this.deps.logger.info('probe abandoned: the watch is stopping', {
            cluster: cluster.name,
            correlationId,
          });
          break;
        }
        this.deps.logger.error('probe failed', {
          cluster: cluster.name,
          correlationId,
          error: String(error),
        });
      }
    } while (loop.isPending && !this.isStopped);
    loop.running = null;
  }
}
