// The Redis side of a password rotation: what steps 3, 4, 5 and 7 (and a rollback) do to the
// data nodes and sentinels. Each operation is idempotent, so a resumed step can run it again.
// Commands go through the cluster's command renames; errors never carry a password.
import { formatEndpoint, parseEndpoint, type Endpoint } from '../core/endpoint';
import { GatewayError, redact, RedisHaError } from '../core/errors';
import { mapAddress } from '../core/cluster-addresses';
import type { SentinelCluster } from '../core/inventory';
import type { ConnectionOptions } from '../core/ports';
import type { NodeFacts } from '../core/rotation-preflight';
import { noFaults } from './fault-points';
import { isUnreachable, RotationCommands } from './rotation-commands';
import { NodeChecks } from './rotation-node-checks';
import type { ControlDeps } from './reconcile';
import { sentinelConnection } from '../core/connection';
import { loadCredentials, probeCluster, type ProbeResult } from './probe-cluster';

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

// `ACL SETUSER u <pw` for a password the user no longer has: already removed, so done.
const PASSWORD_ALREADY_REMOVED = /does not exist|no such password/i;

export class RotationSteps {
  private readonly commands: RotationCommands;
  private readonly checks: NodeChecks;

  constructor(
    private readonly cluster: SentinelCluster,
    private readonly deps: ControlDeps,
  ) {
    this.commands = new RotationCommands(cluster, deps);
    this.checks = new NodeChecks(cluster, deps, this.commands);
  }

  /** Step 1, read-only: see `NodeChecks.inspect`. */
  inspect(nodes: readonly Endpoint[], oldPassword: string): Promise<NodeFacts[]> {
    return this.checks.inspect(nodes, oldPassword);
  }

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
      const found = await this.checks.usersHolding(node, [oldPassword, newPassword], oldPassword);
      const others = [...new Set([...(known[key] ?? []), ...found])].filter((u) => u !== this.user);
      if (others.length > 0) shared[key] = others;
      await this.commands.onNode(
        node,
        [oldPassword, newPassword],
        [
          ['ACL', 'SETUSER', this.user, 'on', `>${newPassword}`],
          ...others.map((u) => ['ACL', 'SETUSER', u, `>${newPassword}`]),
        ],
      );
    }
    for (const node of nodes) {
      await this.commands.onNode(node, [newPassword, oldPassword], this.masterauth(newPassword));
      if (!(await this.checks.persist(node, [newPassword, oldPassword])))
        unpersisted.push(formatEndpoint(node));
    }
    const pair = secrets.sentinel;
    if (!pair) return { shared, unpersisted };
    for (const sentinel of this.sentinels()) {
      await this.commands.onSentinel(
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
    await this.commands.onSentinel(sentinel, login, [
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
    for (const node of nodes) await this.commands.onNode(node, [secrets.newPassword], [['PING']]);
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
      await this.commands.onNode(
        node,
        [newPassword],
        [this.user, ...others].map((u) => ['ACL', 'SETUSER', u, `<${oldPassword}`]),
        PASSWORD_ALREADY_REMOVED,
      );
      await this.checks.alignRequirepass(node, secrets, others.includes('default'));
      if (!(await this.checks.persist(node, [newPassword]))) unpersisted.push(formatEndpoint(node));
      stillAccepting.push(
        ...(await this.checks.usersAccepting(
          node,
          [this.user, ...others],
          oldPassword,
          newPassword,
        )),
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
      await this.commands.onSentinel(
        sentinel,
        [pair.newPassword],
        [['ACL', 'SETUSER', this.sentinelUser, `<${pair.oldPassword}`]],
        PASSWORD_ALREADY_REMOVED,
      );
      await this.commands.onSentinel(sentinel, [pair.newPassword], [['SENTINEL', 'FLUSHCONFIG']]);
      await this.assertRefused(sentinel, sentinelConnection(this.cluster, pair.oldPassword));
    }
    return { unpersisted };
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
          this.commands.onSentinel(
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
        this.commands.onNode(node, [oldPassword, newPassword], this.masterauth(oldPassword)),
      );
    for (const node of nodes) {
      const users = [this.user, ...(shared[formatEndpoint(node)] ?? [])];
      let isReverted = false;
      await attempt(async () => {
        await this.commands.onNode(
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
        if (!(await this.checks.persist(node, [oldPassword], true)))
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
