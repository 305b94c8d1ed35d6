// An ElastiCache replication group run locally: a primary and a replica `redis-server` serving
// TLS only (a test CA), a primary endpoint that follows the primary and a reader endpoint that
// follows the replica (TCP forwarders, as ElastiCache's DNS names do), and the loopback fake of
// the ElastiCache API describing them and applying token, password and failover changes to the
// real nodes. Shared by the tests and `npm run demo:aws`; stops everything it started.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ElastiCacheGroup,
  ElastiCacheMember,
  ElastiCacheNodeGroup,
} from '../../functions/core/elasticache';
import type { Endpoint } from '../../functions/core/endpoint';
import { Topology } from '../../sandbox/topology';
import {
  ElastiCacheFake,
  type ElastiCacheDataPlane,
  type ElastiCacheFakeOptions,
  type NodeGroupEndpoints,
} from './aws-fakes/elasticache-fake';
import { makeCa, makeServerCertificate, type TestServerCertificate } from './certificates';
import { TcpForwarder } from './tcp-forwarder';

const HOST = '127.0.0.1';
const NODE_GROUP_ID = '0001';

/** An RBAC user of the group: its ElastiCache user id, the name clients AUTH with, its password. */
export interface LocalElastiCacheUser {
  readonly userId: string;
  readonly userName: string;
  readonly password: string;
}

/**
 * How the group reports its primary and reader endpoints. `dns`: fixed addresses that lead to
 * the current primary and replica (forwarders), as ElastiCache's DNS names do; a failover does
 * not change them. `node`: the current primary's and replica's own addresses, so a failover
 * changes them (what a client that resolved the names once holds).
 */
export type EndpointMode = 'dns' | 'node';

export interface LocalElastiCacheGroupOptions {
  readonly replicationGroupId: string;
  /** Default `dns`. */
  readonly endpoints?: EndpointMode;
  /** The AUTH token the group starts with; without one (and no `user`), no AUTH is required. */
  readonly authToken?: string;
  /** RBAC instead of an AUTH token: the user clients (and replication) log in as. */
  readonly user?: LocalElastiCacheUser;
  /** The nodes' certificate; default: a new test CA and certificate for 127.0.0.1. */
  readonly certificate?: TestServerCertificate;
  /** An API fake to add the group to; default: the group starts its own with `fakeOptions`. */
  readonly fake?: ElastiCacheFake;
  readonly fakeOptions?: ElastiCacheFakeOptions;
}

/** One cache node: its ElastiCache ids and the port its redis-server serves TLS on. */
export interface LocalCacheNode {
  readonly cacheClusterId: string;
  readonly port: number;
}

export class LocalElastiCacheGroup {
  private constructor(
    readonly replicationGroupId: string,
    readonly fake: ElastiCacheFake,
    private readonly ownsFake: boolean,
    private readonly topology: Topology,
    private readonly primaryForwarder: TcpForwarder,
    private readonly readerForwarder: TcpForwarder,
    private readonly dataPlane: RedisDataPlane,
    /** PEM file of the CA that signed the nodes' certificate (the inventory's `tls.caFile`). */
    readonly caFile: string,
    private readonly certificateDir: string | undefined,
    /** The RBAC user clients log in as, when the group has one (its password as it started). */
    readonly user: LocalElastiCacheUser | undefined,
  ) {}

  static async start(options: LocalElastiCacheGroupOptions): Promise<LocalElastiCacheGroup> {
    const id = options.replicationGroupId;
    const certificateDir = options.certificate
      ? undefined
      : mkdtempSync(join(tmpdir(), 'redis-ha-elasticache-'));
    const certificate =
      options.certificate ??
      makeServerCertificate(certificateDir as string, makeCa(certificateDir as string, id), [
        `IP:${HOST}`,
        'DNS:localhost',
      ]);
    const started: { stop(): Promise<void> }[] = [];
    try {
      const topology = await Topology.start({
        // Without AUTH the nodes start with a throw-away password, dropped below.
        password: options.user?.password ?? options.authToken ?? randomBytes(24).toString('hex'),
        ...(options.user ? { username: options.user.userName } : {}),
        replicas: 1,
        sentinels: 0,
        tls: certificate,
      });
      started.push(topology);
      const [primary, replica] = topology.nodes.map((n) => n.port) as [number, number];
      const primaryForwarder = await TcpForwarder.start(primary);
      started.push(primaryForwarder);
      const readerForwarder = await TcpForwarder.start(replica);
      started.push(readerForwarder);
      const fake = options.fake ?? (await ElastiCacheFake.start(options.fakeOptions));
      if (!options.fake) started.push(fake);
      const nodes: LocalCacheNode[] = [
        { cacheClusterId: `${id}-001`, port: primary },
        { cacheClusterId: `${id}-002`, port: replica },
      ];
      const mode = options.endpoints ?? 'dns';
      const dataPlane = new RedisDataPlane(
        topology,
        nodes,
        primaryForwarder,
        readerForwarder,
        mode,
      );
      const isAuthTokenEnabled = !options.user && options.authToken !== undefined;
      if (!options.user && !isAuthTokenEnabled) await dataPlane.applyAuthTokens([], true);
      fake.attach(
        groupView(
          id,
          nodes,
          mode === 'dns' ? primaryForwarder.port : primary,
          mode === 'dns' ? readerForwarder.port : replica,
          isAuthTokenEnabled,
        ),
        isAuthTokenEnabled ? [options.authToken as string] : [],
        dataPlane,
      );
      if (options.user) {
        fake.addUser({
          userId: options.user.userId,
          userName: options.user.userName,
          accessString: 'on ~* &* +@all',
          passwords: [options.user.password],
          replicationGroupIds: [id],
        });
      }
      return new LocalElastiCacheGroup(
        id,
        fake,
        !options.fake,
        topology,
        primaryForwarder,
        readerForwarder,
        dataPlane,
        certificate.caFile,
        certificateDir,
        options.user,
      );
    } catch (error) {
      await Promise.all(started.map((s) => s.stop()));
      if (certificateDir) rmSync(certificateDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The primary endpoint the API reports now (it leads to the primary). */
  get primaryEndpoint(): Endpoint {
    return this.nodeGroup().primaryEndpoint as Endpoint;
  }

  /** The reader endpoint the API reports now (it leads to the replica). */
  get readerEndpoint(): Endpoint {
    return this.nodeGroup().readerEndpoint as Endpoint;
  }

  get nodes(): readonly LocalCacheNode[] {
    return this.dataPlane.nodes;
  }

  /** The node that is primary now, as the data plane made it. */
  get primary(): LocalCacheNode {
    return this.dataPlane.primary;
  }

  /**
   * A TestFailover of the node group, through the fake as the API action does it, and waits
   * until the replica is primary, both endpoints moved and the events are written.
   */
  async failover(): Promise<{ readonly from: string; readonly to: string }> {
    const from = this.primary.cacheClusterId;
    this.fake.testFailover(this.replicationGroupId, NODE_GROUP_ID);
    await this.fake.settle();
    return { from, to: this.primary.cacheClusterId };
  }

  /**
   * Whether `port` (a node or an endpoint) answers PING over TLS after AUTH with `password`
   * (as the RBAC user, for a group that has one).
   */
  accepts(port: number, password: string): Promise<boolean> {
    return this.topology.accepts(port, password);
  }

  /** Whether `port` answers PING over TLS without any AUTH. */
  acceptsWithoutAuth(port: number): Promise<boolean> {
    return this.topology.accepts(port, '');
  }

  /** The port of the node a connection to `port` reaches (`CONFIG GET tls-port`). */
  async nodeBehind(port: number, password: string): Promise<number> {
    const reply = (await this.topology.callAs(
      port,
      password,
      'CONFIG',
      'GET',
      'tls-port',
    )) as string[];
    return Number(reply[1]);
  }

  private nodeGroup(): ElastiCacheNodeGroup {
    const nodeGroup = this.fake.groups.get(this.replicationGroupId)?.nodeGroups[0];
    if (!nodeGroup) throw new Error(`the fake has no group ${this.replicationGroupId}`);
    return nodeGroup;
  }

  async stop(): Promise<void> {
    if (this.ownsFake) await this.fake.stop();
    await Promise.all([this.primaryForwarder.stop(), this.readerForwarder.stop()]);
    await this.topology.stop();
    if (this.certificateDir) rmSync(this.certificateDir, { recursive: true, force: true });
  }
}

/** The real nodes behind a group: applies the fake's changes with ACL, CONFIG and REPLICAOF. */
class RedisDataPlane implements ElastiCacheDataPlane {
  private primaryIndex = 0;
  /** A password the admin connections log in with (the newest one applied). */
  private adminPassword: string;

  constructor(
    private readonly topology: Topology,
    readonly nodes: readonly LocalCacheNode[],
    private readonly primaryForwarder: TcpForwarder,
    private readonly readerForwarder: TcpForwarder,
    private readonly mode: EndpointMode,
  ) {
    this.adminPassword = topology.options.password;
  }

  get primary(): LocalCacheNode {
    return this.nodes[this.primaryIndex] as LocalCacheNode;
  }

  async applyAuthTokens(tokens: readonly string[], isPasswordless: boolean): Promise<void> {
    // Without AUTH the default user takes any password, or none: `nopass`.
    const passwords = isPasswordless ? ['nopass'] : tokens.map((t) => `>${t}`);
    const newest = tokens.at(-1);
    await this.onEveryNode([
      ['ACL', 'SETUSER', 'default', 'on', 'resetpass', ...passwords],
      // Replicas log in to the primary with it when they reconnect (after a failover).
      ...(newest && !this.topology.options.username
        ? [['CONFIG', 'SET', 'masterauth', newest]]
        : []),
    ]);
    // A nopass user answers AUTH with an error (ioredis warns): log in without it then.
    if (!this.topology.options.username) this.adminPassword = isPasswordless ? '' : (newest ?? '');
  }

  async applyUserPasswords(userName: string, passwords: readonly string[]): Promise<void> {
    const isReplicationUser = userName === this.topology.options.username;
    const newest = passwords.at(-1) as string;
    await this.onEveryNode([
      ['ACL', 'SETUSER', userName, 'on', 'resetpass', ...passwords.map((p) => `>${p}`)],
      ...(isReplicationUser ? [['CONFIG', 'SET', 'masterauth', newest]] : []),
    ]);
    if (isReplicationUser) this.adminPassword = newest;
  }

  async promote(
    _nodeGroupId: string,
    from: ElastiCacheMember,
    to: ElastiCacheMember,
  ): Promise<NodeGroupEndpoints | undefined> {
    const oldPrimary = this.node(from.cacheClusterId);
    const newPrimary = this.node(to.cacheClusterId);
    await this.topology.callAs(newPrimary.port, this.adminPassword, 'REPLICAOF', 'NO', 'ONE');
    this.primaryIndex = this.nodes.indexOf(newPrimary);
    this.primaryForwarder.retarget(newPrimary.port);
    this.readerForwarder.retarget(oldPrimary.port);
    await this.topology.callAs(
      oldPrimary.port,
      this.adminPassword,
      'REPLICAOF',
      HOST,
      String(newPrimary.port),
    );
    // "Finished recovery": the old primary replicates from the new one.
    await this.topology.waitFor(async () => {
      const role = (await this.topology
        .callAs(oldPrimary.port, this.adminPassword, 'ROLE')
        .catch(() => null)) as unknown[] | null;
      return role?.[0] === 'slave' && role[3] === 'connected';
    }, `${from.cacheClusterId} to replicate from ${to.cacheClusterId}`);
    return this.mode === 'node'
      ? {
          primaryEndpoint: { host: HOST, port: newPrimary.port },
          readerEndpoint: { host: HOST, port: oldPrimary.port },
        }
      : undefined;
  }

  private node(cacheClusterId: string): LocalCacheNode {
    const node = this.nodes.find((n) => n.cacheClusterId === cacheClusterId);
    if (!node) throw new Error(`no local node for cache cluster ${cacheClusterId}`);
    return node;
  }

  /** Runs `commands` on every node, on one admin connection each (it outlives a password change). */
  private async onEveryNode(commands: readonly (readonly string[])[]): Promise<void> {
    for (const node of this.nodes) {
      const redis = this.topology.client(node.port, 'node', this.adminPassword);
      try {
        await redis.connect();
        for (const [name, ...args] of commands) await redis.call(name as string, ...args);
      } finally {
        redis.disconnect();
      }
    }
  }
}

function groupView(
  replicationGroupId: string,
  nodes: readonly LocalCacheNode[],
  primaryPort: number,
  readerPort: number,
  isAuthTokenEnabled: boolean,
): ElastiCacheGroup {
  return {
    replicationGroupId,
    status: 'available',
    isClusterModeEnabled: false,
    automaticFailover: 'enabled',
    isMultiAz: true,
    isTransitEncryptionEnabled: true,
    isAuthTokenEnabled,
    nodeGroups: [
      {
        nodeGroupId: NODE_GROUP_ID,
        status: 'available',
        primaryEndpoint: { host: HOST, port: primaryPort },
        readerEndpoint: { host: HOST, port: readerPort },
        members: nodes.map((node, i) => ({
          cacheClusterId: node.cacheClusterId,
          cacheNodeId: '0001',
          readEndpoint: { host: HOST, port: node.port },
          availabilityZone: i === 0 ? 'eu-west-1a' : 'eu-west-1b',
          currentRole: i === 0 ? 'primary' : 'replica',
        })),
      },
    ],
  };
}
