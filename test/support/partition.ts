// A three-site Redis Sentinel cluster for the partition tests: one network namespace per site
// (see netns.ts), a data node and a sentinel in each; links cut with nftables, processes hung
// with SIGSTOP. Needs root. Everything it starts is stopped and removed, even when a test fails.
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import {
  assertRedisServerInstalled,
  killAndWait,
  spawnTracked,
  type TopologyOptions,
} from '../../sandbox/topology';
import { NamespaceNetwork, ROOT, whyNoNamespaces, type Namespace } from './netns';
import { eventually, PASSWORD } from './topology';

const NODE_PORT = 6379;
const SENTINEL_PORT = 26379;
const SITE_NAMES = ['a', 'b', 'c'] as const;
export type SiteName = (typeof SITE_NAMES)[number];

/**
 * The longest `PartitionLab.start` waits before it gives up: 20 s for the data nodes to
 * answer, 20 s for the replicas to attach, 20 s for the sentinels to answer, 30 s for them to
 * discover each other. For per-test timeouts, as `TOPOLOGY_START_MAX_MS` (./topology).
 */
export const LAB_START_MAX_MS = 90_000;

/**
 * Why partition tests cannot run on this machine (not root, or root may not create network
 * namespaces), or null when they can. Missing programs are no reason to skip: where the tests
 * can run, `PartitionLab.start` fails naming the missing `redis-server`, `ip` or `nft`.
 */
export const partitionSkipReason: string | null = whyNoNamespaces();

export interface LabProcess {
  readonly role: 'node' | 'sentinel';
  readonly host: string;
  readonly port: number;
  /** host:port, as the sentinels and redis-ha name it. */
  readonly address: string;
  readonly configFile: string;
  child: ChildProcess | null;
}

/** One network namespace: one data node and one sentinel on the namespace's own address. */
export interface Site {
  readonly name: SiteName;
  readonly namespace: Namespace;
  readonly host: string;
  readonly node: LabProcess;
  readonly sentinel: LabProcess;
}

/** redis-ha's end of a link: the root namespace, which reaches the sites through the bridge. */
export const REDIS_HA = ROOT;
export type Peer = Site | typeof REDIS_HA;

export interface PartitionLabOptions {
  readonly downAfterMs?: number;
  readonly failoverTimeoutMs?: number;
}

let active: PartitionLab | null = null;

/**
 * Site `a` holds the master, `b` and `c` its replicas; a sentinel in each, quorum 2. The data
 * nodes require `PASSWORD`, the sentinels no password.
 */
export class PartitionLab {
  readonly masterName = 'mymaster';
  /** What `inventoryFor` reads besides the addresses. */
  readonly options: TopologyOptions = { password: PASSWORD };
  readonly sites: readonly [Site, Site, Site];
  private readonly dir = mkdtempSync(join(tmpdir(), 'redis-ha-partition-'));

  private constructor(
    private readonly network: NamespaceNetwork,
    private readonly labOptions: PartitionLabOptions,
  ) {
    const [a, b, c] = SITE_NAMES.map((name, i) => {
      const namespace = network.namespaces[i] as Namespace;
      const labProcess = (role: LabProcess['role'], port: number): LabProcess => ({
        role,
        host: namespace.host,
        port,
        address: `${namespace.host}:${port}`,
        configFile: join(this.dir, `${role}-${name}.conf`),
        child: null,
      });
      return {
        name,
        namespace,
        host: namespace.host,
        node: labProcess('node', NODE_PORT),
        sentinel: labProcess('sentinel', SENTINEL_PORT),
      };
    }) as [Site, Site, Site];
    this.sites = [a, b, c];
  }

  /** Builds the network, starts the nodes and sentinels, waits until the sentinels agree. */
  static async start(options: PartitionLabOptions = {}): Promise<PartitionLab> {
    assertRedisServerInstalled();
    if (active) throw new Error('a partition lab is already running in this process');
    const lab = new PartitionLab(NamespaceNetwork.create(SITE_NAMES), options);
    active = lab;
    try {
      await lab.startProcesses();
      return lab;
    } catch (error) {
      await lab.stop();
      throw error;
    }
  }

  get sentinelAddresses(): string[] {
    return this.sites.map((s) => s.sentinel.address);
  }

  /** The site whose data node or sentinel has this address. */
  siteOf(address: string): Site {
    const site = this.sites.find(
      (s) => s.node.address === address || s.sentinel.address === address,
    );
    if (!site) throw new Error(`no site has the address ${address}`);
    return site;
  }

  /** Drops every packet between `from` and `to` (a site or redis-ha), both ways, until `heal`. */
  cut(from: Peer, to: Peer): void {
    const peer = (p: Peer) => (p === REDIS_HA ? ROOT : p.namespace);
    this.network.cut(peer(from), peer(to));
  }

  /** Cuts `site` from the two other sites; redis-ha still reaches it. */
  isolate(site: Site): void {
    for (const other of this.sites) if (other !== site) this.cut(site, other);
  }

  /** Removes every cut. */
  heal(): void {
    this.network.heal();
  }

  /** SIGSTOP (hang) or SIGCONT (resume) a process. */
  signal(labProcess: LabProcess, signal: 'SIGSTOP' | 'SIGCONT'): void {
    labProcess.child?.kill(signal);
  }

  /** Runs one command against a data node (with the password) or a sentinel, from redis-ha's side. */
  async call(labProcess: LabProcess, ...[name, ...args]: string[]): Promise<unknown> {
    const redis = new Redis({
      host: labProcess.host,
      port: labProcess.port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableReadyCheck: false,
      connectTimeout: 1000,
      commandTimeout: 2000,
      ...(labProcess.role === 'node' ? { password: PASSWORD } : {}),
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await redis.call(name as string, ...args);
    } finally {
      redis.disconnect();
    }
  }

  /** `ROLE` of a data node (`master`, `slave`), or null when it does not answer. */
  async roleOf(site: Site): Promise<string | null> {
    const reply = (await this.call(site.node, 'ROLE').catch(() => null)) as unknown[] | null;
    return reply ? String(reply[0]) : null;
  }

  /** The master a site's sentinel names (host:port), or null when it does not answer. */
  async masterNamedBy(site: Site): Promise<string | null> {
    const reply = (await this.call(
      site.sentinel,
      'SENTINEL',
      'GET-MASTER-ADDR-BY-NAME',
      this.masterName,
    ).catch(() => null)) as [string, string] | null;
    return reply ? `${reply[0]}:${reply[1]}` : null;
  }

  /** Whether a site's sentinel answers `SENTINEL CKQUORUM` with OK. */
  async hasQuorum(site: Site): Promise<boolean> {
    return this.call(site.sentinel, 'SENTINEL', 'CKQUORUM', this.masterName).then(
      () => true,
      () => false,
    );
  }

  /** The flags `observer`'s sentinel holds about `about`'s sentinel (`s_down`, ...). */
  async sentinelFlags(observer: Site, about: Site): Promise<string[]> {
    const reply = (await this.call(
      observer.sentinel,
      'SENTINEL',
      'SENTINELS',
      this.masterName,
    )) as string[][];
    const entry = reply.map(fieldsOf).find((f) => f.ip === about.host);
    return (entry?.flags ?? '').split(',').filter(Boolean);
  }

  /**
   * Waits until the sentinels of `voters` all name the data node of another site than `from`,
   * that node answers ROLE master, and none of them still reports the failover in progress
   * (while one does, a second master is the failover itself, not a split brain); returns that
   * site.
   */
  async waitForFailover(from: Site, voters: readonly Site[]): Promise<Site> {
    return eventually(
      async () => {
        const named = await Promise.all(voters.map((s) => this.masterNamedBy(s)));
        const [first] = named;
        if (!first || first === from.node.address || named.some((n) => n !== first)) return;
        const site = this.siteOf(first);
        if ((await this.roleOf(site)) !== 'master') return;
        for (const voter of voters) {
          const reply = await this.call(
            voter.sentinel,
            'SENTINEL',
            'MASTER',
            this.masterName,
          ).catch(() => null);
          if (!reply || (fieldsOf(reply).flags ?? '').includes('failover')) return;
        }
        return site;
      },
      `the sentinels of ${voters.map((s) => s.name).join(', ')} to promote a new master`,
      30_000,
    );
  }

  /** Kills every process, removes the namespaces (and their rules) and the bridge. */
  async stop(): Promise<void> {
    const children = this.sites.flatMap((s) => [s.node.child, s.sentinel.child]);
    for (const site of this.sites) site.node.child = site.sentinel.child = null;
    await Promise.all(children.map((child) => (child ? killAndWait(child) : undefined)));
    this.network.remove();
    rmSync(this.dir, { recursive: true, force: true });
    if (active === this) active = null;
  }

  private async startProcesses(): Promise<void> {
    const [master] = this.sites;
    for (const site of this.sites) {
      writeFileSync(site.node.configFile, this.nodeConfig(site, site === master ? null : master), {
        mode: 0o600,
      });
      writeFileSync(site.sentinel.configFile, this.sentinelConfig(site, master), { mode: 0o600 });
    }
    await Promise.all(this.sites.map((s) => this.launch(s, s.node)));
    await eventually(async () => {
      const role = (await this.call(master.node, 'ROLE').catch(() => null)) as unknown[] | null;
      return Array.isArray(role?.[2]) && role[2].length === this.sites.length - 1;
    }, 'the replicas to attach');
    await Promise.all(this.sites.map((s) => this.launch(s, s.sentinel)));
    await eventually(
      async () => {
        for (const site of this.sites) {
          const reply = await this.call(site.sentinel, 'SENTINEL', 'MASTER', this.masterName).catch(
            () => null,
          );
          const fields = fieldsOf(reply);
          if (Number(fields['num-other-sentinels']) < this.sites.length - 1) return false;
          if (Number(fields['num-slaves']) < this.sites.length - 1) return false;
        }
        return true;
      },
      'the sentinels to discover each other and the replicas',
      30_000,
    );
  }

  private async launch(site: Site, labProcess: LabProcess): Promise<void> {
    const command = [
      labProcess.configFile,
      ...(labProcess.role === 'sentinel' ? ['--sentinel'] : []),
    ];
    // `ip netns exec` execs redis-server in place: the child's pid is the server's own.
    const child = spawnTracked('ip', [
      'netns',
      'exec',
      site.namespace.name,
      'redis-server',
      ...command,
    ]);
    labProcess.child = child;
    await eventually(async () => {
      if (child.exitCode !== null)
        throw new Error(`${labProcess.role} ${labProcess.address} exited; see ${this.dir}`);
      return (await this.call(labProcess, 'PING').catch(() => null)) === 'PONG';
    }, `${labProcess.role} ${labProcess.address} to answer`);
  }

  private nodeConfig(site: Site, master: Site | null): string {
    return [
      `bind ${site.host}`,
      `port ${site.node.port}`,
      `dir ${this.dir}`,
      `dbfilename node-${site.name}.rdb`,
      `logfile ${join(this.dir, `node-${site.name}.log`)}`,
      'save ""',
      'appendonly no',
      'repl-diskless-sync yes',
      'repl-diskless-sync-delay 0',
      `requirepass ${PASSWORD}`,
      `masterauth ${PASSWORD}`,
      ...(master ? [`replicaof ${master.host} ${master.node.port}`] : []),
      '',
    ].join('\n');
  }

  private sentinelConfig(site: Site, master: Site): string {
    const name = this.masterName;
    return [
      `bind ${site.host}`,
      `port ${site.sentinel.port}`,
      `dir ${this.dir}`,
      `logfile ${join(this.dir, `sentinel-${site.name}.log`)}`,
      `sentinel monitor ${name} ${master.host} ${master.node.port} 2`,
      `sentinel down-after-milliseconds ${name} ${this.labOptions.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${name} ${this.labOptions.failoverTimeoutMs ?? 4000}`,
      `sentinel parallel-syncs ${name} 2`,
      `sentinel auth-pass ${name} ${PASSWORD}`,
      '',
    ].join('\n');
  }
}

/** Stops the lab that is running in this process, if any (for afterEach). */
export async function stopPartitionLab(): Promise<void> {
  await active?.stop();
}

function fieldsOf(reply: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  return fields;
}
