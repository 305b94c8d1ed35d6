// A loopback fake of ElastiCache's wire protocol (awsQuery: form-encoded request, XML response):
// DescribeReplicationGroups, DescribeEvents, ModifyReplicationGroup (AUTH token ROTATE/SET),
// DescribeUsers, ModifyUser and TestFailover, with ElastiCache's checks (group and user states,
// token rules) and error codes. A group can be backed by a data plane (real redis-server
// processes, test/support/elasticache-group.ts) that token, password and failover changes are
// applied to. Records every request and can fail the next ones with a chosen status and code,
// so the real SDK client (retries, XML error parsing) is what gets tested. Logs nothing.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, FAKE_AWS, readQueryForm } from './loopback';
import {
  errorXml,
  eventsXml,
  groupXml,
  responseXml,
  userFieldsXml,
  type ElastiCacheUserView,
} from './elasticache-xml';
import type {
  ElastiCacheEvent,
  ElastiCacheGroup,
  ElastiCacheMember,
  ElastiCacheNodeGroup,
} from '../../../functions/core/elasticache';

export interface ElastiCacheRequest {
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
  /** HTTP status the fake answered with. */
  readonly status: number;
  /** When it was answered (epoch ms). */
  readonly at: number;
}

/** A change of a group's or user's state (never a token), for timelines. */
export interface ElastiCacheChange {
  /** Epoch ms. */
  readonly at: number;
  readonly what: string;
}

export interface ElastiCacheFault {
  readonly status: number;
  /** ElastiCache error code, e.g. `Throttling`, `InvalidReplicationGroupState`. */
  readonly code: string;
  readonly message?: string;
}

export interface ElastiCacheFakeOptions {
  /** How long a group or user stays `modifying` after a change; without it, until `settle()`. */
  readonly modifyingMs?: number;
  /** How long a TestFailover takes before the replica is primary; default 0 (asynchronously). */
  readonly failoverMs?: number;
}

/** What the nodes behind a group do when the API changes them (real Redis in the e2e tests). */
export interface ElastiCacheDataPlane {
  /** The default user accepts exactly `tokens` from now on, or any AUTH (and none) if passwordless. */
  applyAuthTokens(tokens: readonly string[], isPasswordless: boolean): Promise<void>;
  /** The RBAC user `userName` accepts exactly `passwords` from now on. */
  applyUserPasswords(userName: string, passwords: readonly string[]): Promise<void>;
  /**
   * Makes replica `to` the primary of the node group and `from` its replica; answers the node
   * group's new endpoints when their addresses change (else they keep theirs).
   */
  promote(
    nodeGroupId: string,
    from: ElastiCacheMember,
    to: ElastiCacheMember,
  ): Promise<NodeGroupEndpoints | undefined>;
}

export type NodeGroupEndpoints = Pick<ElastiCacheNodeGroup, 'primaryEndpoint' | 'readerEndpoint'>;

/** An RBAC user of the fake; `passwords` never leave it on the wire. */
export interface ElastiCacheFakeUser {
  readonly userId: string;
  readonly userName: string;
  readonly accessString: string;
  passwords: string[];
  /** active | modifying */
  status: string;
  /** Groups whose nodes the user's passwords are applied to. */
  readonly replicationGroupIds: readonly string[];
}

class ElastiCacheError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface Job {
  readonly work: () => Promise<void>;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
}

// ElastiCache's AUTH token rules (user guide, "Authenticating with the AUTH command"): 16-128
// printable characters, letters, digits and only ! & # $ ^ < > - besides.
const AUTH_TOKEN = /^[A-Za-z0-9!&#$^<>-]{16,128}$/;
// RBAC passwords: 16-128 printable characters without , " / @ (user guide, RBAC).
const USER_PASSWORD = /^[\x21-\x7e]{16,128}$/;
const USER_PASSWORD_FORBIDDEN = /[,"/@]/;

export class ElastiCacheFake {
  readonly requests: ElastiCacheRequest[] = [];
  /** Groups by id; tests edit them to stage a state. */
  readonly groups = new Map<string, ElastiCacheGroup>();
  /** The tokens each group accepts now (two between a ROTATE and the next SET). */
  readonly tokens = new Map<string, string[]>();
  readonly users = new Map<string, ElastiCacheFakeUser>();
  /** Every event, oldest first; tests may add their own. */
  readonly events: ElastiCacheEvent[] = [];
  /** Data-plane changes that failed (messages only), for the tests to assert on. */
  readonly failures: string[] = [];
  /** State changes of groups and users, oldest first. */
  readonly changes: ElastiCacheChange[] = [];
  /** SNS message bodies ElastiCache would publish to the groups' notification topic. */
  readonly notifications: string[] = [];
  private readonly notificationListeners: ((message: string) => void)[] = [];
  private readonly faults: ElastiCacheFault[] = [];
  private readonly dataPlanes = new Map<string, ElastiCacheDataPlane>();
  /** Attached groups that take connections without AUTH (none yet, or ROTATEd from none). */
  private readonly passwordless = new Set<string>();
  private readonly jobs = new Set<Job>();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly options: ElastiCacheFakeOptions,
  ) {}

  static async start(options: ElastiCacheFakeOptions = {}): Promise<ElastiCacheFake> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const fake = new ElastiCacheFake(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      options,
    );
    server.on('request', (request, response) => void fake.handle(request, response));
    return fake;
  }

  /** Adds a group whose changes reach `dataPlane`; `tokens` are those its nodes accept now. */
  attach(
    group: ElastiCacheGroup,
    tokens: readonly string[],
    dataPlane: ElastiCacheDataPlane,
  ): void {
    this.groups.set(group.replicationGroupId, group);
    this.dataPlanes.set(group.replicationGroupId, dataPlane);
    if (tokens.length > 0) this.tokens.set(group.replicationGroupId, [...tokens]);
    else this.passwordless.add(group.replicationGroupId);
  }

  addUser(user: Omit<ElastiCacheFakeUser, 'status'>): void {
    this.users.set(user.userId, { ...user, passwords: [...user.passwords], status: 'active' });
  }

  /**
   * Calls `listener` with each notification's message body, e.g.
   * `{"ElastiCache:FailoverComplete":"orders-002"}` (ElastiCacheSNS.html).
   */
  onNotification(listener: (message: string) => void): void {
    this.notificationListeners.push(listener);
  }

  /** The next `times` requests fail with `fault`. */
  failNext(times: number, fault: ElastiCacheFault): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  /** Ends every modification and failover in progress now, and waits until they are applied. */
  async settle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.all([...this.jobs].map((job) => this.run(job)));
  }

  /** TestFailover of `nodeGroupId`, as the API action does it (the failover runs afterwards). */
  testFailover(replicationGroupId: string, nodeGroupId: string): ElastiCacheGroup {
    const group = this.availableGroup(replicationGroupId);
    const nodeGroup = group.nodeGroups.find((g) => g.nodeGroupId === nodeGroupId);
    if (!nodeGroup) {
      throw new ElastiCacheError(
        'NodeGroupNotFoundFault',
        `NodeGroup ${nodeGroupId} not found in ReplicationGroup ${replicationGroupId}.`,
        404,
      );
    }
    const from = nodeGroup.members.find((m) => m.currentRole === 'primary');
    const to = nodeGroup.members.find((m) => m.currentRole === 'replica');
    if (group.automaticFailover !== 'enabled' || !from || !to) {
      throw new ElastiCacheError(
        'InvalidReplicationGroupState',
        `Replication group ${replicationGroupId} must have automatic failover enabled and a replica to test a failover.`,
      );
    }
    this.event(
      'replication-group',
      replicationGroupId,
      `Test Failover API called for node group ${nodeGroupId}`,
    );
    const modifying = this.setNodeGroupStatus(replicationGroupId, nodeGroupId, 'modifying');
    this.change(`${replicationGroupId} node group ${nodeGroupId} modifying (test failover)`);
    this.schedule(this.options.failoverMs ?? 0, async () => {
      const endpoints = await this.dataPlanes
        .get(replicationGroupId)
        ?.promote(nodeGroupId, from, to);
      const current = this.group(replicationGroupId);
      this.groups.set(replicationGroupId, {
        ...current,
        nodeGroups: current.nodeGroups.map((g) =>
          g.nodeGroupId !== nodeGroupId
            ? g
            : {
                ...g,
                ...endpoints,
                status: 'available',
                members: g.members.map((m) =>
                  m.cacheClusterId === to.cacheClusterId
                    ? { ...m, currentRole: 'primary' }
                    : m.cacheClusterId === from.cacheClusterId
                      ? { ...m, currentRole: 'replica' }
                      : m,
                ),
              },
        ),
      });
      this.change(
        `${replicationGroupId} node group ${nodeGroupId} available: ${to.cacheClusterId} primary, ${from.cacheClusterId} replica`,
      );
      // The order the TestFailover page lists them in.
      const message = `Failover from primary node ${from.cacheClusterId} to replica node ${to.cacheClusterId} completed`;
      this.event('cache-cluster', to.cacheClusterId, message);
      this.event('replication-group', replicationGroupId, message);
      this.event(
        'cache-cluster',
        from.cacheClusterId,
        `Recovering cache nodes ${from.cacheNodeId}`,
      );
      this.event(
        'cache-cluster',
        from.cacheClusterId,
        `Finished recovery for cache nodes ${from.cacheNodeId}`,
      );
      this.notify('FailoverComplete', to.cacheClusterId);
    });
    return modifying;
  }

  async stop(): Promise<void> {
    for (const job of this.jobs) clearTimeout(job.timer);
    await Promise.all([...this.jobs].map((job) => job.running));
    await closeServer(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const params = await readQueryForm(request);
    const action = params.Action ?? '';
    const requestId = randomUUID();
    let status = 200;
    let xml: string;
    try {
      const fault = this.faults.shift();
      if (fault) {
        throw new ElastiCacheError(
          fault.code,
          fault.message ?? `injected ${fault.code}`,
          fault.status,
        );
      }
      xml = responseXml(action, requestId, this.act(action, params));
    } catch (error) {
      const failure =
        error instanceof ElastiCacheError
          ? error
          : new ElastiCacheError('InternalFailure', String(error), 500);
      status = failure.status;
      xml = errorXml(status, failure.code, failure.message, requestId);
    }
    this.requests.push({ action, params, status, at: Date.now() });
    response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(xml);
  }

  private act(action: string, params: Record<string, string>): string {
    switch (action) {
      case 'DescribeReplicationGroups': {
        const id = params.ReplicationGroupId;
        const groups = id ? [this.group(id)] : [...this.groups.values()];
        return `<ReplicationGroups>${groups.map(groupXml).join('')}</ReplicationGroups>`;
      }
      case 'ModifyReplicationGroup':
        return groupXml(this.modify(params));
      case 'DescribeEvents':
        return this.describeEvents(params);
      case 'DescribeUsers': {
        const users = params.UserId ? [this.user(params.UserId)] : [...this.users.values()];
        return `<Users>${users.map((u) => `<member>${userFieldsXml(view(u), FAKE_AWS.region)}</member>`).join('')}</Users>`;
      }
      case 'ModifyUser':
        return userFieldsXml(view(this.modifyUser(params)), FAKE_AWS.region);
      case 'TestFailover':
        return groupXml(
          this.testFailover(params.ReplicationGroupId ?? '', params.NodeGroupId ?? ''),
        );
      default:
        throw new ElastiCacheError('InvalidAction', `fake ElastiCache has no action ${action}`);
    }
  }

  private group(id: string): ElastiCacheGroup {
    const group = this.groups.get(id);
    if (!group) {
      throw new ElastiCacheError(
        'ReplicationGroupNotFoundFault',
        `ReplicationGroup ${id} not found.`,
        404,
      );
    }
    return group;
  }

  private availableGroup(id: string): ElastiCacheGroup {
    const group = this.group(id);
    if (group.status !== 'available' || group.nodeGroups.some((g) => g.status !== 'available')) {
      throw new ElastiCacheError(
        'InvalidReplicationGroupState',
        `Replication group ${id} is not in the available state.`,
      );
    }
    return group;
  }

  private user(userId: string): ElastiCacheFakeUser {
    const user = this.users.get(userId);
    if (!user) throw new ElastiCacheError('UserNotFound', `User ${userId} not found.`, 404);
    return user;
  }

  private modify(params: Record<string, string>): ElastiCacheGroup {
    const id = params.ReplicationGroupId ?? '';
    const group = this.group(id);
    const token = params.AuthToken;
    const strategy = params.AuthTokenUpdateStrategy;
    if (token === undefined || !strategy) {
      throw new ElastiCacheError(
        'InvalidParameterCombination',
        'AuthToken must be specified with the auth-token-update-strategy',
      );
    }
    if (strategy !== 'ROTATE' && strategy !== 'SET') {
      throw new ElastiCacheError(
        'InvalidParameterValue',
        `fake ElastiCache models AuthTokenUpdateStrategy ROTATE and SET, not ${strategy}`,
      );
    }
    // Like a service that echoes its input: the adapter must redact it.
    if (!AUTH_TOKEN.test(token)) {
      throw new ElastiCacheError('InvalidParameterValue', `Invalid AuthToken provided: ${token}`);
    }
    if (!group.isTransitEncryptionEnabled) {
      throw new ElastiCacheError(
        'InvalidParameterCombination',
        'AUTH token can be set only on a replication group with in-transit encryption enabled.',
      );
    }
    this.availableGroup(id);
    // ROTATE keeps the newest previous token (at most two valid); on a group without AUTH it
    // leaves access without AUTH open as well (user guide, "Enabling authentication").
    const isPasswordless =
      strategy === 'ROTATE' && (this.passwordless.has(id) || !group.isAuthTokenEnabled);
    const tokens =
      strategy === 'ROTATE' ? [...(this.tokens.get(id) ?? []).slice(-1), token] : [token];
    const modified: ElastiCacheGroup = {
      ...group,
      status: 'modifying',
      pendingAuthTokenStatus: strategy === 'ROTATE' ? 'ROTATING' : 'SETTING',
    };
    this.groups.set(id, modified);
    this.change(`${id} modifying (AuthTokenStatus ${modified.pendingAuthTokenStatus ?? ''})`);
    this.schedule(this.options.modifyingMs, async () => {
      await this.dataPlanes.get(id)?.applyAuthTokens(tokens, isPasswordless);
      this.tokens.set(id, tokens);
      if (isPasswordless) this.passwordless.add(id);
      else this.passwordless.delete(id);
      const { pendingAuthTokenStatus, ...current } = this.group(id);
      if (pendingAuthTokenStatus) {
        this.groups.set(id, { ...current, status: 'available', isAuthTokenEnabled: true });
      }
      const valid = `${tokens.length} token${tokens.length > 1 ? 's' : ''} valid`;
      this.change(`${id} available: ${isPasswordless ? `${valid}, and no AUTH` : valid}`);
    });
    return modified;
  }

  private modifyUser(params: Record<string, string>): ElastiCacheFakeUser {
    const user = this.user(params.UserId ?? '');
    const passwords = Object.entries(params)
      .filter(([name]) => /^Passwords\.member\.\d+$/.test(name))
      .sort(([a], [b]) => Number(a.split('.')[2]) - Number(b.split('.')[2]))
      .map(([, value]) => value);
    if (passwords.length < 1 || passwords.length > 2) {
      throw new ElastiCacheError(
        'InvalidParameterValue',
        `A user can have one or two passwords, got ${passwords.length}.`,
      );
    }
    if (passwords.some((p) => !USER_PASSWORD.test(p) || USER_PASSWORD_FORBIDDEN.test(p))) {
      throw new ElastiCacheError(
        'InvalidParameterValue',
        'Passwords must be 16-128 printable characters without , " / or @.',
      );
    }
    if (user.status !== 'active') {
      throw new ElastiCacheError('InvalidUserState', `User ${user.userId} is not in active state.`);
    }
    user.status = 'modifying';
    this.change(`user ${user.userId} modifying (${passwords.length} passwords)`);
    this.schedule(this.options.modifyingMs, async () => {
      for (const id of user.replicationGroupIds)
        await this.dataPlanes.get(id)?.applyUserPasswords(user.userName, passwords);
      user.passwords = passwords;
      user.status = 'active';
      this.change(`user ${user.userId} active (${passwords.length} passwords)`);
    });
    return { ...user, passwords };
  }

  private describeEvents(params: Record<string, string>): string {
    const maxRecords = Number(params.MaxRecords ?? 100);
    if (!Number.isInteger(maxRecords) || maxRecords < 20 || maxRecords > 100) {
      throw new ElastiCacheError('InvalidParameterValue', 'MaxRecords must be between 20 and 100.');
    }
    const end = params.EndTime ? Date.parse(params.EndTime) : Date.now();
    // Without StartTime, the last `Duration` minutes (60 by default).
    const start = params.StartTime
      ? Date.parse(params.StartTime)
      : end - Number(params.Duration ?? 60) * 60_000;
    const matching = this.events.filter(
      (e) =>
        (!params.SourceType || e.sourceType === params.SourceType) &&
        (!params.SourceIdentifier || e.sourceIdentifier === params.SourceIdentifier) &&
        Date.parse(e.date) >= start &&
        Date.parse(e.date) <= end,
    );
    const offset = Number(params.Marker ?? 0);
    const page = matching.slice(offset, offset + maxRecords);
    const next = offset + maxRecords < matching.length ? String(offset + maxRecords) : undefined;
    return eventsXml(page, next);
  }

  private setNodeGroupStatus(id: string, nodeGroupId: string, status: string): ElastiCacheGroup {
    const group = this.group(id);
    const changed = {
      ...group,
      nodeGroups: group.nodeGroups.map((g) =>
        g.nodeGroupId === nodeGroupId ? { ...g, status } : g,
      ),
    };
    this.groups.set(id, changed);
    return changed;
  }

  private change(what: string): void {
    this.changes.push({ at: Date.now(), what });
  }

  private notify(event: string, sourceId: string): void {
    const message = JSON.stringify({ [`ElastiCache:${event}`]: sourceId });
    this.notifications.push(message);
    for (const listener of this.notificationListeners) listener(message);
  }

  private event(sourceType: string, sourceIdentifier: string, message: string): void {
    this.events.push({ sourceType, sourceIdentifier, message, date: new Date().toISOString() });
  }

  /** Runs `work` after `delayMs`, or at `settle()` when there is no delay. */
  private schedule(delayMs: number | undefined, work: () => Promise<void>): void {
    const job: Job = { work };
    this.jobs.add(job);
    if (delayMs !== undefined) job.timer = setTimeout(() => void this.run(job), delayMs);
  }

  private run(job: Job): Promise<void> {
    clearTimeout(job.timer);
    job.running ??= job
      .work()
      .catch((error: unknown) => {
        this.failures.push(error instanceof Error ? error.message : String(error));
      })
      .finally(() => this.jobs.delete(job));
    return job.running;
  }
}

function view(user: ElastiCacheFakeUser): ElastiCacheUserView {
  return {
    userId: user.userId,
    userName: user.userName,
    status: user.status,
    accessString: user.accessString,
    passwordCount: user.passwords.length,
    userGroupIds: user.replicationGroupIds.map((id) => `${id}-users`),
  };
}
