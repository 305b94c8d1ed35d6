// A local Redis Cluster (cluster mode enabled) for tests: shards of one primary and one replica,
// TLS only, a password, made with `redis-cli --cluster create`. Stands in for the data plane of
// an ElastiCache group with cluster mode enabled. Always stopped by `stop()`, even half-started.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { clusterShards } from '../../functions/control/elasticache-shards';
import {
  assertRedisServerInstalled,
  freePorts,
  killAndWait,
  spawnTracked,
  type TopologyTls,
} from '../../sandbox/topology';

export interface ClusterShardPorts {
  readonly firstSlot: number;
  /** `first-last` as ElastiCache's `Slots` gives it (the shards redis-cli makes are contiguous). */
  readonly slots: string;
  readonly master: number;
  readonly replicas: readonly number[];
}

export class LocalRedisCluster {
  private readonly children: ChildProcess[] = [];
  readonly ports: number[] = [];

  private constructor(
    private readonly dir: string,
    private readonly password: string,
    private readonly tls: TopologyTls,
  ) {}

  /** Starts `shards` × 2 nodes and joins them into a cluster whose every slot is served. */
  static async start(options: {
    password: string;
    tls: TopologyTls;
    shards?: number;
  }): Promise<LocalRedisCluster> {
    assertRedisServerInstalled();
    const cluster = new LocalRedisCluster(
      mkdtempSync(join(tmpdir(), 'redis-ha-cluster-')),
      options.password,
      options.tls,
    );
    try {
      await cluster.boot((options.shards ?? 3) * 2);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  private async boot(count: number): Promise<void> {
    this.ports.push(...(await freePorts(count)));
    for (const port of this.ports) {
      const file = join(this.dir, `node-${port}.conf`);
      writeFileSync(file, this.config(port), { mode: 0o600 });
      this.children.push(spawnTracked('redis-server', [file]));
    }
    await this.waitFor(
      async () => (await Promise.all(this.ports.map((p) => this.answers(p)))).every(Boolean),
      'cluster nodes to answer',
    );
    const created = spawnSync(
      'redis-cli',
      [
        '--tls',
        '--cacert',
        this.tls.caFile,
        '--no-auth-warning',
        '-a',
        this.password,
        '--cluster',
        'create',
        ...this.ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await this.waitForSettled();
  }

  private config(port: number): string {
    return [
      'port 0',
      `tls-port ${port}`,
      `tls-cert-file ${this.tls.certFile}`,
      `tls-key-file ${this.tls.keyFile}`,
      `tls-ca-cert-file ${this.tls.caFile}`,
      'tls-auth-clients no',
      'tls-replication yes',
      'tls-cluster yes',
      'bind 127.0.0.1',
      `dir ${this.dir}`,
      `logfile ${join(this.dir, `node-${port}.log`)}`,
      'cluster-enabled yes',
      `cluster-config-file nodes-${port}.conf`,
      'cluster-node-timeout 2000',
      'save ""',
      'appendonly no',
      `requirepass ${this.password}`,
      `masterauth ${this.password}`,
    ].join('\n');
  }

  /** Every node sees `cluster_state:ok` and the same shards, each with its replica. */
  async waitForSettled(): Promise<void> {
    await this.waitFor(async () => {
      for (const port of this.ports) {
        const info = String(await this.call(port, 'CLUSTER', 'INFO').catch(() => ''));
        if (!/cluster_state:ok/.test(info)) return false;
      }
      const shards = await this.shards().catch(() => []);
      return (
        shards.length === this.ports.length / 2 && shards.every((s) => s.replicas.length === 1)
      );
    }, 'the cluster to settle');
  }

  /** The shards as the cluster reports them (the probe's own parser), lowest slot first. */
  async shards(port = this.ports[0] as number): Promise<ClusterShardPorts[]> {
    const reply = await this.call(port, 'CLUSTER', 'SHARDS');
    return clusterShards(reply, true)
      .flatMap(({ firstSlot, lastSlot, master, replicas }) =>
        firstSlot === undefined || !master
          ? []
          : [
              {
                firstSlot,
                slots: `${firstSlot}-${lastSlot}`,
                master: master.endpoint.port,
                replicas: replicas.map((r) => r.endpoint.port),
              },
            ],
      )
      .sort((a, b) => a.firstSlot - b.firstSlot);
  }

  /** Promotes `replica` (CLUSTER FAILOVER, as ElastiCache's TestFailover does) and waits. */
  async failover(replica: number): Promise<void> {
    await this.call(replica, 'CLUSTER', 'FAILOVER');
    await this.waitFor(
      async () => (await this.shards()).some((s) => s.master === replica),
      `node ${replica} to lead its shard`,
    );
    await this.waitForSettled();
  }

  async call(port: number, ...command: string[]): Promise<unknown> {
    const redis = new Redis({
      host: '127.0.0.1',
      port,
      password: this.password,
      tls: { ca: readFileSync(this.tls.caFile, 'utf8') },
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableReadyCheck: false,
      connectTimeout: 1000,
      commandTimeout: 2000,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      const [name, ...args] = command;
      return await redis.call(name as string, ...args);
    } finally {
      redis.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => killAndWait(c)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async answers(port: number): Promise<boolean> {
    return (await this.call(port, 'PING').catch(() => null)) === 'PONG';
  }

  private async waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
}
