// Linux network namespaces on a private bridge, for tests that cut links: each namespace gets an
// address in a free 10.77.n.0/24, the root namespace (where redis-ha runs) the bridge's `.1`.
// Cuts are nftables drop rules inside the namespaces. There is no route out of the namespaces,
// so every packet stays inside them, the bridge and loopback. Needs root, `ip` and `nft`.
import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Every name a network creates is this prefix, then the pid of the process that owns it, then
 * the namespace's label: `rhpart1234567a` stays within Linux's 15 characters for an interface.
 */
const PREFIX = 'rhpart';
/** nftables table inside each namespace; it goes away with the namespace. */
const NFT_TABLE = 'redis_ha_partition';

/**
 * Why this machine may not build namespaces, or null when it may: not Linux, not root, or root
 * without the right to (a container without CAP_SYS_ADMIN / CAP_NET_ADMIN), found by adding and
 * deleting one namespace; the reason then carries `ip`'s own error. A missing `ip` or `nft` is
 * not a reason to skip but a broken setup: `NamespaceNetwork.create` fails on it.
 */
export function whyNoNamespaces(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces and nftables need root';
  if (!isInstalled('ip', '-V')) return null; // cannot try without it: create says what is missing
  // Named like a network's namespace, so that removeStaleNetworks clears it after a crash.
  const probe = `${PREFIX}${process.pid}-p`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.error || added.status !== 0) {
    const why = added.stderr?.trim() || added.error?.message || `exit ${String(added.status)}`;
    return `root cannot create a network namespace here (\`ip netns add\`: ${why})`;
  }
  spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  return null;
}

/**
 * Throws a clear error naming the missing program and its Debian package when `ip` or `nft` is
 * not installed: on a machine that may build namespaces the partition tests must run, not
 * skip (.ci/run installs both).
 */
export function assertNamespaceTools(): void {
  const tools: [string, string, string][] = [
    ['ip', '-V', 'iproute2'],
    ['nft', '--version', 'nftables'],
  ];
  for (const [tool, flag, debianPackage] of tools) {
    if (!isInstalled(tool, flag))
      throw new Error(
        `the partition tests need \`${tool}\`, which is not installed: \`apt-get install -y ${debianPackage}\` (.ci/run installs it)`,
      );
  }
}

function isInstalled(tool: string, versionFlag: string): boolean {
  const result = spawnSync(tool, [versionFlag], { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

export interface Namespace {
  /** The namespace's name for `ip netns`. */
  readonly name: string;
  /** Its one address, on its `eth0`. */
  readonly host: string;
}

/** The root namespace's end of a link: what runs here reaches the namespaces through the bridge. */
export const ROOT = 'root';
export type Peer = Namespace | typeof ROOT;

let active: NamespaceNetwork | null = null;
let isExitHookInstalled = false;

/** A bridge and one namespace per label, each joined to it by a veth pair. */
export class NamespaceNetwork {
  /** The root namespace's address on the bridge. */
  readonly bridgeHost: string;
  readonly namespaces: readonly Namespace[];
  private readonly bridge = `${PREFIX}${process.pid}`;

  private constructor(subnet: string, labels: readonly string[]) {
    this.bridgeHost = `${subnet}.1`;
    this.namespaces = labels.map((label, i) => ({
      name: `${this.bridge}-${label}`,
      host: `${subnet}.${11 + i}`,
    }));
  }

  /** Builds the network after removing what crashed earlier runs left; one at a time per process. */
  static create(labels: readonly string[]): NamespaceNetwork {
    if (active) throw new Error('a namespace network already exists in this process');
    if (labels.some((label) => !/^[a-z]$/.test(label)))
      throw new Error(`namespace labels must be single letters: ${labels.join(', ')}`);
    assertNamespaceTools();
    removeStaleNetworks();
    installExitHook();
    const network = new NamespaceNetwork(freeSubnet(), labels);
    active = network;
    try {
      network.build(labels);
      return network;
    } catch (error) {
      network.remove();
      throw error;
    }
  }

  /** Drops every packet between `from` and `to`, both ways, until `heal`. */
  cut(from: Peer, to: Peer): void {
    const hostOf = (peer: Peer) => (peer === ROOT ? this.bridgeHost : peer.host);
    for (const [side, other] of [
      [from, to],
      [to, from],
    ] as const) {
      if (side === ROOT) continue; // the namespace's own rules cut the root's link
      nft(side, [
        `add rule inet ${NFT_TABLE} input ip saddr ${hostOf(other)} drop`,
        `add rule inet ${NFT_TABLE} output ip daddr ${hostOf(other)} drop`,
      ]);
    }
  }

  /** Removes every cut. */
  heal(): void {
    for (const namespace of this.namespaces)
      nft(namespace, [
        `flush chain inet ${NFT_TABLE} input`,
        `flush chain inet ${NFT_TABLE} output`,
      ]);
  }

  /**
   * Kills what still runs in the namespaces, removes them (with their veths and rules) and the
   * bridge. Synchronous, so that the exit hook can run it; tolerates what is already gone.
   */
  remove(): void {
    for (const namespace of this.namespaces) removeNamespace(namespace.name);
    removeLink(this.bridge);
    if (active === this) active = null;
  }

  private build(labels: readonly string[]): void {
    ip('link', 'add', this.bridge, 'type', 'bridge');
    ip('addr', 'add', `${this.bridgeHost}/24`, 'dev', this.bridge);
    ip('link', 'set', this.bridge, 'up');
    this.namespaces.forEach((namespace, i) => {
      const veth = `${this.bridge}${labels[i]}`;
      const inside = ['-n', namespace.name];
      ip('netns', 'add', namespace.name);
      ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace.name);
      ip('link', 'set', veth, 'master', this.bridge, 'up');
      ip(...inside, 'addr', 'add', `${namespace.host}/24`, 'dev', 'eth0');
      ip(...inside, 'link', 'set', 'eth0', 'up');
      ip(...inside, 'link', 'set', 'lo', 'up');
      // Accept-all chains that `cut` adds drop rules to.
      nft(namespace, [
        `add table inet ${NFT_TABLE}`,
        `add chain inet ${NFT_TABLE} input { type filter hook input priority 0; policy accept; }`,
        `add chain inet ${NFT_TABLE} output { type filter hook output priority 0; policy accept; }`,
      ]);
    });
  }
}

function installExitHook(): void {
  if (isExitHookInstalled) return;
  isExitHookInstalled = true;
  process.on('exit', () => active?.remove());
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function nft(namespace: Namespace, commands: readonly string[]): void {
  execFileSync('ip', ['netns', 'exec', namespace.name, 'nft', '-f', '-'], {
    input: commands.join('\n') + '\n',
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

function removeNamespace(name: string): void {
  // A namespace lives on while a process runs in it, and keeps its veth (and address) with it.
  const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
}

function removeLink(name: string): void {
  spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' });
}

/** Removes namespaces and links of networks whose process is gone (or is this one). */
function removeStaleNetworks(): void {
  const ownerOf = new RegExp(`^${PREFIX}(\\d+)(?:-?[a-z])?$`);
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
