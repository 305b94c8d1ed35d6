// A three-site Redis Sentinel cluster in Linux network namespaces joined by a bridge, for the
// partition tests: nftables rules cut links, SIGSTOP hangs a process. Needs root, `ip` and `nft`.
// Every packet stays inside its namespaces, its bridge and loopback. Everything it builds
// (namespaces, bridge, rules, processes) is torn down, also what a crashed earlier run left.
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import {
  assertRedisServerInstalled,
  killAndWait,
  spawnTracked,
  type TopologyOptions,
} from '../../cli/topology';
import { eventually, PASSWORD } from './topology';

/**
 * Every name a lab creates is this prefix, then the pid of the process that owns the lab, then
 * the site: `rhpart1234567a` stays within Linux's 15 characters for an interface name.
 */
const PREFIX = 'rhpart';
const NODE_PORT = 6379;
const SENTINEL_PORT = 26379;
/** nftables table inside each namespace; it goes away with the namespace. */
const NFT_TABLE = 'redis_ha_partition';
const SITE_NAMES = ['a', 'b', 'c'] as const;
export type SiteName = (typeof SITE_NAMES)[number];

/** Why partition tests cannot run on this machine, or null when they can. */
export const partitionSkipReason: string | null = whyNoPartitions();

function whyNoPartitions(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces and nftables need root';
  const tools: [string, string][] = [
    ['ip', '-V'],
    ['nft', '--version'],
    ['redis-server', '--version'],
  ];
  for (const [tool, flag] of tools) {
    const result = spawnSync(tool, [flag]);
    if (result.error || result.status !== 0) return `\`${tool}\` is not installed`;
  }
  return null;
}

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
  readonly namespace: string;
  readonly host: string;
  readonly node: LabProcess;
  readonly sentinel: LabProcess;
}

/** redis-ha's end of a link: the root namespace, which reaches the sites through the bridge. */
export const REDIS_HA = 'redis-ha';
export type Peer = Site | typeof REDIS_HA;

export interface PartitionLabOptions {
  readonly downAfterMs?: number;
  readonly failoverTimeoutMs?: number;
}

let active: PartitionLab | null = null;
let isExitHookInstalled = false;

/**
 * Site `a` holds the master, `b` and `c` its replicas; a sentinel in each, quorum 2. The data
 * nodes require `PASSWORD`, the sentinels no password.
 */
export class PartitionLab {
  readonly masterName = 'mymaster';
  /** What `inventoryFor` reads besides the addresses. */
  readonly options: TopologyOptions = { password: PASSWORD };
  readonly sites: readonly [Site, Site, Site];
  /** redis-ha's own address on the bridge (10.77.n.1). */
  readonly bridgeHost: string;
  private readonly bridge = `${PREFIX}${process.pid}`;
  private readonly dir = mkdtempSync(join(tmpdir(), 'redis-ha-partition-'));

  private constructor(
    subnet: string,
    private readonly labOptions: PartitionLabOptions,
  ) {
    this.bridgeHost = `${subnet}.1`;
    const [a, b, c] = SITE_NAMES.map((name, i) => {
      const host = `${subnet}.${11 + i}`;
      const labProcess = (role: LabProcess['role'], port: number): LabProcess => ({
        role,
        host,
        port,
        address: `${host}:${port}`,
        configFile: join(this.dir, `${role}-${name}.conf`),
        child: null,
      });
      return {
        name,
        namespace: `${this.bridge}-${name}`,
        host,
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
    removeStaleLabs();
    installExitHook();
    const lab = new PartitionLab(freeSubnet(), options);
    active = lab;
    try {
      lab.buildNetwork();
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

  /** Drops every packet between `from` and `to`, both ways, from now until `heal`. */
  cut(from: Peer, to: Peer): void {
    const hostOf = (peer: Peer) => (peer === REDIS_HA ? this.bridgeHost : peer.host);
    for (const [side, other] of [
      [from, to],
      [to, from],
    ] as const) {
      if (side === REDIS_HA) continue; // the namespace's rules alone cut redis-ha's link
      nft(side, [
        `add rule inet ${NFT_TABLE} input ip saddr ${hostOf(other)} drop`,
        `add rule inet ${NFT_TABLE} output ip daddr ${hostOf(other)} drop`,
      ]);
    }
  }

  /** Cuts `site` from the two other sites; redis-ha still reaches it. */
  isolate(site: Site): void {
    for (const other of this.sites) if (other !== site) this.cut(site, other);
  }

  /** Removes every cut. */
  heal(): void {
    for (const site of this.sites)
      nft(site, [`flush chain inet ${NFT_TABLE} input`, `flush chain inet ${NFT_TABLE} output`]);
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
   * Waits until the sentinels of `voters` all name the data node of another site than `from`
   * and that node answers ROLE master; returns that site.
   */
  async waitForFailover(from: Site, voters: readonly Site[]): Promise<Site> {
    return eventually(
      async () => {
        const named = await Promise.all(voters.map((s) => this.masterNamedBy(s)));
        const [first] = named;
        if (!first || first === from.node.address || named.some((n) => n !== first)) return;
        const site = this.siteOf(first);
        return (await this.roleOf(site)) === 'master' ? site : undefined;
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
    this.removeNetwork();
    rmSync(this.dir, { recursive: true, force: true });
    if (active === this) active = null;
  }

  private buildNetwork(): void {
    ip('link', 'add', this.bridge, 'type', 'bridge');
    ip('addr', 'add', `${this.bridgeHost}/24`, 'dev', this.bridge);
    ip('link', 'set', this.bridge, 'up');
    for (const site of this.sites) {
      const veth = `${this.bridge}${site.name}`;
      ip('netns', 'add', site.namespace);
      ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', site.namespace);
      ip('link', 'set', veth, 'master', this.bridge, 'up');
      ip('-n', site.namespace, 'addr', 'add', `${site.host}/24`, 'dev', 'eth0');
      ip('-n', site.namespace, 'link', 'set', 'eth0', 'up');
      ip('-n', site.namespace, 'link', 'set', 'lo', 'up');
      // Accept-all chains that `cut` adds drop rules to.
      nft(site, [
        `add table inet ${NFT_TABLE}`,
        `add chain inet ${NFT_TABLE} input { type filter hook input priority 0; policy accept; }`,
        `add chain inet ${NFT_TABLE} output { type filter hook output priority 0; policy accept; }`,
      ]);
    }
  }

  /** Synchronous, so that the exit hook can run it too. Tolerates what is already gone. */
  removeNetwork(): void {
    for (const site of this.sites) removeNamespace(site.namespace);
    removeLink(this.bridge);
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
    const child = spawnTracked('ip', ['netns', 'exec', site.namespace, 'redis-server', ...command]);
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

function installExitHook(): void {
  if (isExitHookInstalled) return;
  isExitHookInstalled = true;
  // The processes are SIGKILLed by cli/topology's own exit hook; this removes the network.
  process.on('exit', () => active?.removeNetwork());
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function nft(site: Site, commands: readonly string[]): void {
  execFileSync('ip', ['netns', 'exec', site.namespace, 'nft', '-f', '-'], {
    input: commands.join('\n') + '\n',
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

function removeNamespace(namespace: string): void {
  // A namespace lives on while a process runs in it, and keeps its veth (and address) with it.
  const pids = spawnSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  spawnSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
}

function removeLink(name: string): void {
  spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' });
}

/** Removes namespaces and links left by labs whose process is gone (or by this one). */
function removeStaleLabs(): void {
  const ownerOf = new RegExp(`^${PREFIX}(\\d+)(?:-?[${SITE_NAMES.join('')}])?$`);
  const isStale = (name: string) => {
    const owner = ownerOf.exec(name)?.[1];
    return owner !== undefined && (Number(owner) === process.pid || !isAlive(Number(owner)));
  };
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (isStale(name)) removeNamespace(name);
  }
  for (const line of ip('-o', 'link', 'show').split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1] ?? '';
    if (isStale(name)) removeLink(name);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A 10.77.n.0/24 that no address or route of this machine overlaps, e.g. `10.77.42`. */
function freeSubnet(): string {
  const used = [
    ...`${ip('-4', '-o', 'addr', 'show')}\n${ip('-4', 'route', 'show', 'table', 'all')}`.matchAll(
      /\b(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?/g,
    ),
  ]
    .map((m) => ({ base: toInt(m.slice(1, 5).map(Number)), bits: Number(m[5] ?? 32) }))
    .filter((range) => range.bits >= 8);
  for (let i = 0; i < 254; i++) {
    const n = 1 + ((process.pid + i) % 254);
    const candidate = { base: toInt([10, 77, n, 0]), bits: 24 };
    if (!used.some((range) => overlaps(range, candidate))) return `10.77.${n}`;
  }
  throw new Error('no free 10.77.n.0/24 subnet on this machine');
}

function toInt(octets: number[]): number {
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

function overlaps(a: { base: number; bits: number }, b: { base: number; bits: number }): boolean {
  const size = 2 ** (32 - Math.min(a.bits, b.bits));
  return Math.floor(a.base / size) === Math.floor(b.base / size);
}

function fieldsOf(reply: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  return fields;
}
