// The Redis side of a password rotation: what steps 3, 4, 5 and 7 (and a rollback) do to the
// data nodes and sentinels. Each operation is idempotent, so a resumed step can run it again.
// Commands go through the cluster's command renames; errors never carry a password.
import { createHash } from 'node:crypto';
import { formatEndpoint, parseEndpoint, type Endpoint } from '../core/endpoint';
import { GatewayError, redact, RedisHaError } from '../core/errors';
import { mapAddress, type SentinelCluster } from '../core/inventory';
import type { ConnectionOptions } from '../core/ports';
import {
  configFileFromInfo,
  usersHoldingPassword,
  type NodeFacts,
} from '../core/rotation-preflight';
import { noFaults } from './fault-points';
import type { ControlDeps } from './reconcile';
import {
  dataConnection,
  loadCredentials,
  probeCluster,
  sentinelConnection,
  type ProbeResult,
} from './probe-cluster';

/** Old and new password of a rotation, held in memory only. */
export interface PasswordPair {
  readonly oldPassword: string;
  readonly newPassword: string;
}

/** The data password pair, and the sentinels' own when `rotateSentinelPassword` is on. */
export interface RotationSecrets extends PasswordPair {
  readonly sentinel?: PasswordPair;
}

/** What a rollback could not do: unreachable targets are skipped, others keep it pending. */
export interface RevertOutcome {
  readonly skipped: readonly string[];
  readonly unreverted: readonly string[];
  /** Nodes whose runtime state is reverted but whose config could not be rewritten, and why. */
  readonly unpersisted: readonly string[];
}

/** Other ACL users than the rotated one that held the old password, per node (host:port). */
export type SharedUsers = Readonly<Record<string, readonly string[]>>;

/** Time allowed for CONFIG REWRITE / ACL SAVE, at least (they fsync). */
const PERSIST_TIMEOUT_MS = 10_000;

// `ACL SETUSER u <pw` for a password the user no longer has: already removed, so done.
const PASSWORD_ALREADY_REMOVED = /does not exist|no such password/i;

export class RotationSteps {
  constructor(
    private readonly cluster: SentinelCluster,
    private readonly deps: ControlDeps,
  ) {}

  private get user(): string {
    return this.cluster.username ?? 'default';
  }

  private get sentinelUser(): string {
    return this.cluster.sentinelUsername ?? 'default';
  }

  /** `known` nodes plus any the sentinels name now (a failover may have added one). */
  async nodes(known: readonly string[], password: string): Promise<Endpoint[]> {
    const all = new Set(known);
    try {
      const stored = await loadCredentials(this.cluster, this.deps.parameters);
      const probe = await probeCluster(this.cluster, this.deps, {
        ...stored,
        dataPassword: password,
      });
      for (const node of dataNodes(this.cluster, probe)) all.add(node);
    } catch {
      // The known nodes are enough to go on with.
    }
    return [...all].map((text) => parseEndpoint(text) as Endpoint);
  }

  /**
   * Step 1, read-only: whether each node has a config file and which enabled users hold the old
   * password (ACL LIST shows each password's SHA-256, so no login attempt is needed). A node that
   * cannot be asked is left out: step 3 then meets it, or fails on it and rolls back.
   */
  async inspect(nodes: readonly Endpoint[], oldPassword: string): Promise<NodeFacts[]> {
    const facts: NodeFacts[] = [];
    for (const node of nodes) {
      try {
        const [info, acl] = await this.onNode(
          node,
          [oldPassword],
          [
            ['INFO', 'server'],
            ['ACL', 'LIST'],
          ],
        );
        facts.push({
          node: formatEndpoint(node),
          hasConfigFile: configFileFromInfo(String(info)) !== '',
          usersWithOldPassword: usersHoldingPassword(acl as string[], sha256(oldPassword)),
        });
      } catch {
        // Unknown for now; see above.
      }
    }
    return facts;
  }

  /**
   * Step 3: the new password next to the old on every node (and sentinel), for the rotated user
   * and every other user that held the old password, then masterauth. Returns the users that
   * share the password (`known` plus those found now) and the nodes left unpersisted.
   */
  async addPassword(
    nodes: readonly Endpoint[],
    secrets: RotationSecrets,
    known: SharedUsers,
  ): Promise<{ shared: SharedUsers; unpersisted: string[] }> {
    const { oldPassword, newPassword } = secrets;
    const shared: Record<string, readonly string[]> = {};
    const unpersisted: string[] = [];
    // Two passes: no replica may authenticate with the new password before every node knows it.
    for (const node of nodes) {
      const key = formatEndpoint(node);
      // The old password stays on every holder until step 7, so asking again on a resume is safe.
      const [acl] = await this.onNode(node, [oldPassword, newPassword], [['ACL', 'LIST']]);
      const found = usersHoldingPassword(acl as string[], sha256(oldPassword));
      const others = [...new Set([...(known[key] ?? []), ...found])].filter((u) => u !== this.user);
      if (others.length > 0) shared[key] = others;
      await this.onNode(
        node,
        [oldPassword, newPassword],
        [
          ['ACL', 'SETUSER', this.user, 'on', `>${newPassword}`],
          ...others.map((u) => ['ACL', 'SETUSER', u, `>${newPassword}`]),
        ],
      );
    }
    for (const node of nodes) {
      await this.onNode(node, [newPassword, oldPassword], this.masterauth(newPassword));
      if (!(await this.persist(node, [newPassword, oldPassword])))
        unpersisted.push(formatEndpoint(node));
    }
    const pair = secrets.sentinel;
    if (!pair) return { shared, unpersisted };
    for (const sentinel of this.sentinels()) {
      await this.onSentinel(
        sentinel,
        [pair.oldPassword, pair.newPassword],
        [
          ['ACL', 'SETUSER', this.sentinelUser, 'on', `>${pair.newPassword}`],
          ['SENTINEL', 'FLUSHCONFIG'],
        ],
      );
    }
    return { shared, unpersisted };
  }

  /**
   * Step 4 (and its undo): the sentinels authenticate to the data nodes with `password`, and to
   * each other with `sentinelPassword` when the sentinels' own password rotates too.
   */
  async pointSentinelsAt(password: string, sentinelPassword?: string): Promise<void> {
    const login = await this.sentinelPasswords();
    for (const sentinel of this.sentinels())
      await this.pointSentinelAt(sentinel, login, password, sentinelPassword);
  }

  private async pointSentinelAt(
    sentinel: Endpoint,
    login: readonly (string | undefined)[],
    password: string,
    sentinelPassword?: string,
  ): Promise<void> {
    const name = this.cluster.masterName;
    await this.onSentinel(sentinel, login, [
      ['SENTINEL', 'SET', name, 'auth-pass', password],
      ...(this.cluster.username
        ? [['SENTINEL', 'SET', name, 'auth-user', this.cluster.username]]
        : []),
      ...(sentinelPassword
        ? [
            ['SENTINEL', 'CONFIG', 'SET', 'sentinel-pass', sentinelPassword],
            ['SENTINEL', 'FLUSHCONFIG'],
          ]
        : []),
    ]);
  }

  /** Step 5: the new passwords work everywhere, replicas are attached, sentinels agree. */
  async verify(
    nodes: readonly Endpoint[],
    secrets: RotationSecrets,
    isForced: boolean,
  ): Promise<void> {
    const stored = await loadCredentials(this.cluster, this.deps.parameters);
    const probe = await probeCluster(this.cluster, this.deps, {
      ...stored,
      dataPassword: secrets.newPassword,
      ...(secrets.sentinel ? { sentinelPassword: secrets.sentinel.newPassword } : {}),
    });
    const problems = probe.verdict.reasons.filter(
      (r) =>
        r.code === 'AUTH_FAILED' ||
        r.code === 'SENTINELS_DISAGREE' ||
        (!isForced && r.code === 'REPLICA_DOWN'),
    );
    if (!probe.verdict.isConfirmed || problems.length > 0) {
      const detail =
        probe.verdict.reasons.map((r) => r.message).join('; ') || 'master not confirmed';
      throw new RedisHaError('ROTATION_VERIFY_FAILED', `verification failed: ${detail}`);
    }
    for (const node of nodes) await this.onNode(node, [secrets.newPassword], [['PING']]);
  }

  /**
   * Step 7: only the new passwords remain, everywhere, and the old ones are refused by every
   * user that accepted them before (the rotated user and those sharing its password). When a
   * node still accepts the old password, the error names the node and user, never the password.
   */
  async removeOldPassword(
    nodes: readonly Endpoint[],
    secrets: RotationSecrets,
    shared: SharedUsers,
  ): Promise<{ unpersisted: string[] }> {
    const { oldPassword, newPassword } = secrets;
    const unpersisted: string[] = [];
    const stillAccepting: string[] = [];
    for (const node of nodes) {
      const others = shared[formatEndpoint(node)] ?? [];
      await this.onNode(
        node,
        [newPassword],
        [this.user, ...others].map((u) => ['ACL', 'SETUSER', u, `<${oldPassword}`]),
        PASSWORD_ALREADY_REMOVED,
      );
      await this.alignRequirepass(node, secrets, others.includes('default'));
      if (!(await this.persist(node, [newPassword]))) unpersisted.push(formatEndpoint(node));
      stillAccepting.push(
        ...(await this.usersAccepting(node, [this.user, ...others], oldPassword, newPassword)),
      );
    }
    if (stillAccepting.length > 0) {
      throw new RedisHaError(
        'ROTATION_OLD_STILL_VALID',
        `the old password is still accepted by ${stillAccepting.join(', ')}`,
      );
    }
    const pair = secrets.sentinel;
    if (!pair) return { unpersisted };
    for (const sentinel of this.sentinels()) {
      await this.onSentinel(
        sentinel,
        [pair.newPassword],
        [['ACL', 'SETUSER', this.sentinelUser, `<${pair.oldPassword}`]],
        PASSWORD_ALREADY_REMOVED,
      );
      await this.onSentinel(sentinel, [pair.newPassword], [['SENTINEL', 'FLUSHCONFIG']]);
      await this.assertRefused(sentinel, sentinelConnection(this.cluster, pair.oldPassword));
    }
    return { unpersisted };
  }

  /**
   * requirepass style: keep redis.conf's requirepass line in step with the default user, or a
   * restart would bring the old password back. Setting requirepass leaves `default` with that
   * one password, so it is done only where requirepass held the old (or already the new) one.
   */
  private async alignRequirepass(
    node: Endpoint,
    { oldPassword, newPassword }: PasswordPair,
    isDefaultSharing: boolean,
  ): Promise<void> {
    if (this.cluster.username && !isDefaultSharing) return;
    if (this.cluster.username) {
      const [reply] = await this.onNode(node, [newPassword], [['CONFIG', 'GET', 'requirepass']]);
      const current = ((reply ?? []) as string[])[1];
      if (current !== oldPassword) return;
    }
    await this.onNode(node, [newPassword], [['CONFIG', 'SET', 'requirepass', newPassword]]);
  }

  /** `host:port user x` for each of `users`, and any other enabled user, that accepts `password`. */
  private async usersAccepting(
    node: Endpoint,
    users: readonly string[],
    password: string,
    loginPassword: string,
  ): Promise<string[]> {
    const where = formatEndpoint(node);
    const accepting: string[] = [];
    for (const user of users) {
      try {
        await this.deps.gateway.run(
          node,
          { ...dataConnection(this.cluster, password), username: user },
          [['PING']],
        );
        accepting.push(`${where} user ${user}`);
      } catch (error) {
        if (!(error instanceof GatewayError && error.failure === 'auth-failed')) throw error;
      }
    }
    // Any other user still holding it (added meanwhile, or missed): ACL LIST shows its hash.
    const [acl] = await this.onNode(node, [loginPassword], [['ACL', 'LIST']]);
    for (const user of usersHoldingPassword(acl as string[], sha256(password)))
      if (!users.includes(user)) accepting.push(`${where} user ${user}`);
    return accepting;
  }

  /**
   * Rollback: sentinels and masterauth back to the old passwords, the new ones removed from every
   * user that got them. It never depends on the step that may have failed: the runtime state is
   * reverted first, and a config that cannot be rewritten afterwards (no config file, a disk
   * error) is recorded in `unpersisted` without keeping the rollback pending.
   */
  async revert(
    nodes: readonly Endpoint[],
    secrets: RotationSecrets,
    shared: SharedUsers,
  ): Promise<RevertOutcome> {
    const { oldPassword, newPassword, sentinel: pair } = secrets;
    // A target that cannot be reached now either never got the new password (it was down at
    // step 3) or gets it removed at the next attempt; one that answers and cannot be reverted
    // keeps the rollback pending.
    const skipped: string[] = [];
    const unreverted: string[] = [];
    const unpersisted: string[] = [];
    const secretsShown = [oldPassword, newPassword, pair?.oldPassword, pair?.newPassword];
    const attempt = async (work: () => Promise<unknown>, failures?: string[]) => {
      try {
        await work();
      } catch (error) {
        const text = redact(error instanceof Error ? error.message : String(error), secretsShown);
        (failures ?? (isUnreachable(error) ? skipped : unreverted)).push(text);
      }
    };
    const login = await this.sentinelPasswords();
    for (const sentinel of this.sentinels()) {
      await attempt(() => this.pointSentinelAt(sentinel, login, oldPassword, pair?.oldPassword));
      if (pair) {
        await attempt(() =>
          this.onSentinel(
            sentinel,
            [pair.oldPassword, pair.newPassword],
            [
              ['ACL', 'SETUSER', this.sentinelUser, `<${pair.newPassword}`],
              ['SENTINEL', 'FLUSHCONFIG'],
            ],
            PASSWORD_ALREADY_REMOVED,
          ),
        );
      }
    }
    (this.deps.faults ?? noFaults)('rotation:rolling-back-sentinels-reverted');
    for (const node of nodes)
      await attempt(() =>
        this.onNode(node, [oldPassword, newPassword], this.masterauth(oldPassword)),
      );
    for (const node of nodes) {
      const users = [this.user, ...(shared[formatEndpoint(node)] ?? [])];
      let isReverted = false;
      await attempt(async () => {
        await this.onNode(
          node,
          [oldPassword, newPassword],
          users.map((u) => ['ACL', 'SETUSER', u, `<${newPassword}`]),
          PASSWORD_ALREADY_REMOVED,
        );
        isReverted = true;
      });
      if (!isReverted) continue;
      await attempt(async () => {
        // Back to the old password in memory is what counts; a config left behind is reported.
        if (!(await this.persist(node, [oldPassword], true)))
          unpersisted.push(`${formatEndpoint(node)}: no config file`);
      }, unpersisted);
    }
    return { skipped: [...new Set(skipped)], unreverted, unpersisted };
  }

  private sentinels(): Endpoint[] {
    return this.cluster.sentinels.map((text) => parseEndpoint(text) as Endpoint);
  }

  /** The sentinels' password as stored: valid in every phase (old before step 6, new after). */
  private async sentinelPasswords(): Promise<(string | undefined)[]> {
    const { sentinelPassword } = await loadCredentials(this.cluster, this.deps.parameters);
    return [sentinelPassword];
  }

  private masterauth(password: string): string[][] {
    return [
      ['CONFIG', 'SET', 'masterauth', password],
      ...(this.cluster.username ? [['CONFIG', 'SET', 'masteruser', this.user]] : []),
    ];
  }

  private async assertRefused(target: Endpoint, options: ConnectionOptions): Promise<void> {
    try {
      await this.deps.gateway.run(target, options, [['PING']]);
    } catch (error) {
      if (error instanceof GatewayError && error.failure === 'auth-failed') return;
      throw error;
    }
    throw new RedisHaError(
      'ROTATION_OLD_STILL_VALID',
      `${formatEndpoint(target)} still accepts the old password`,
    );
  }

  /**
   * CONFIG REWRITE (masterauth, users in redis.conf) and ACL SAVE when users live in an ACL
   * file. A node without a config file cannot be rewritten: false when the inventory allows
   * rotating it in memory only, an error naming the node otherwise.
   */
  private async persist(
    node: Endpoint,
    passwords: readonly string[],
    isMemoryOnlyAllowed = this.cluster.rotation.allowUnpersisted,
  ): Promise<boolean> {
    const [info, reply] = await this.onNode(node, passwords, [
      ['INFO', 'server'],
      ['CONFIG', 'GET', 'aclfile'],
    ]);
    const [, aclfile] = (reply ?? []) as string[];
    const hasConfigFile = configFileFromInfo(String(info)) !== '';
    if (!hasConfigFile && !isMemoryOnlyAllowed) {
      throw new RedisHaError(
        'NO_CONFIG_FILE',
        `${formatEndpoint(node)} runs without a config file: CONFIG REWRITE cannot persist the password (rotation.allowUnpersisted is off)`,
      );
    }
    // Both write and fsync a file: a busy disk may take longer than a command normally does.
    await this.runWithAny(
      node,
      passwords,
      (password) => {
        const options = dataConnection(this.cluster, password);
        return {
          ...options,
          commandTimeoutMs: Math.max(options.commandTimeoutMs, PERSIST_TIMEOUT_MS),
        };
      },
      [...(aclfile ? [['ACL', 'SAVE']] : []), ...(hasConfigFile ? [['CONFIG', 'REWRITE']] : [])],
    );
    return hasConfigFile;
  }

  private onNode(
    node: Endpoint,
    passwords: readonly string[],
    commands: string[][],
    tolerated?: RegExp,
  ): Promise<unknown[]> {
    return this.runWithAny(
      node,
      passwords,
      (password) => dataConnection(this.cluster, password),
      commands,
      tolerated,
    );
  }

  private onSentinel(
    sentinel: Endpoint,
    passwords: readonly (string | undefined)[],
    commands: string[][],
    tolerated?: RegExp,
  ): Promise<unknown[]> {
    return this.runWithAny(
      sentinel,
      passwords,
      (password) => sentinelConnection(this.cluster, password),
      commands,
      tolerated,
    );
  }

  /**
   * Runs `commands` on a target, logging in with the first of `passwords` it accepts (a
   * resumed step does not know which one a target holds yet). Errors matching `tolerated`
   * count as done.
   */
  private async runWithAny(
    target: Endpoint,
    passwords: readonly (string | undefined)[],
    connect: (password: string | undefined) => ConnectionOptions,
    commands: string[][],
    tolerated?: RegExp,
  ): Promise<unknown[]> {
    let lastError: unknown;
    for (const password of passwords) {
      try {
        const replies: unknown[] = [];
        for (const command of commands) {
          try {
            replies.push(...(await this.deps.gateway.run(target, connect(password), [command])));
          } catch (error) {
            if (!tolerated?.test(String(error))) throw error;
            replies.push(null);
          }
        }
        return replies;
      } catch (error) {
        lastError = error;
        if (!(error instanceof GatewayError && error.failure === 'auth-failed')) break;
      }
    }
    throw lastError;
  }
}

function isUnreachable(error: unknown): boolean {
  return (
    error instanceof GatewayError &&
    (error.failure === 'unreachable' || error.failure === 'timeout')
  );
}

/** Master and replicas as dial addresses, from what a probe saw. */
export function dataNodes(cluster: SentinelCluster, probe: ProbeResult): string[] {
  const nodes = new Set<string>();
  if (probe.masterDial) nodes.add(formatEndpoint(probe.masterDial));
  const role = probe.observation.master;
  if (role?.ok)
    for (const r of role.replicas) nodes.add(formatEndpoint(mapAddress(cluster, r.endpoint)));
  for (const { answer } of probe.observation.sentinels) {
    if (!answer.ok) continue;
    for (const r of answer.replicas) nodes.add(formatEndpoint(mapAddress(cluster, r.endpoint)));
  }
  return [...nodes];
}

/** SHA-256 in lowercase hex, as ACL LIST shows a user's passwords. */
function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
