// The Redis side of a password rotation: what steps 3, 4, 5 and 7 (and a rollback) do to the
// data nodes and sentinels. Each operation is idempotent, so a resumed step can run it again.
// Commands go through the cluster's command renames; errors never carry a password.
import { formatEndpoint, parseEndpoint, type Endpoint } from '../core/endpoint';
import { GatewayError, redact, RedisHaError } from '../core/errors';
import { mapAddress, type SentinelCluster } from '../core/inventory';
import type { ConnectionOptions } from '../core/ports';
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
}

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

  /** Step 3: the new password next to the old on every node (and sentinel), then masterauth. */
  async addPassword(nodes: readonly Endpoint[], secrets: RotationSecrets): Promise<void> {
    const { oldPassword, newPassword } = secrets;
    // Two passes: no replica may authenticate with the new password before every node knows it.
    for (const node of nodes) {
      await this.onNode(
        node,
        [oldPassword, newPassword],
        [['ACL', 'SETUSER', this.user, 'on', `>${newPassword}`]],
      );
    }
    for (const node of nodes) {
      await this.onNode(node, [newPassword, oldPassword], this.masterauth(newPassword));
      await this.persist(node, [newPassword, oldPassword]);
    }
    const pair = secrets.sentinel;
    if (!pair) return;
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

  /** Step 7: only the new passwords remain, everywhere, and the old ones are refused. */
  async removeOldPassword(nodes: readonly Endpoint[], secrets: RotationSecrets): Promise<void> {
    const { oldPassword, newPassword } = secrets;
    for (const node of nodes) {
      await this.onNode(
        node,
        [newPassword],
        [['ACL', 'SETUSER', this.user, `<${oldPassword}`]],
        PASSWORD_ALREADY_REMOVED,
      );
      if (!this.cluster.username) {
        // requirepass style: keep redis.conf's requirepass line in step with the ACL.
        await this.onNode(node, [newPassword], [['CONFIG', 'SET', 'requirepass', newPassword]]);
      }
      await this.persist(node, [newPassword]);
      await this.assertRefused(node, dataConnection(this.cluster, oldPassword));
    }
    const pair = secrets.sentinel;
    if (!pair) return;
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
  }

  /** Rollback: sentinels and masterauth back to the old passwords, the new ones removed. */
  async revert(nodes: readonly Endpoint[], secrets: RotationSecrets): Promise<RevertOutcome> {
    const { oldPassword, newPassword, sentinel: pair } = secrets;
    // A target that cannot be reached now either never got the new password (it was down at
    // step 3) or gets it removed at the next attempt; one that answers and cannot be reverted
    // keeps the rollback pending.
    const skipped: string[] = [];
    const unreverted: string[] = [];
    const attempt = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        const secretsShown = [oldPassword, newPassword, pair?.oldPassword, pair?.newPassword];
        const text = redact(error instanceof Error ? error.message : String(error), secretsShown);
        (isUnreachable(error) ? skipped : unreverted).push(text);
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
    for (const node of nodes)
      await attempt(() =>
        this.onNode(node, [oldPassword, newPassword], this.masterauth(oldPassword)),
      );
    for (const node of nodes) {
      await attempt(async () => {
        await this.onNode(
          node,
          [oldPassword, newPassword],
          [['ACL', 'SETUSER', this.user, `<${newPassword}`]],
          PASSWORD_ALREADY_REMOVED,
        );
        await this.persist(node, [oldPassword]);
      });
    }
    return { skipped: [...new Set(skipped)], unreverted };
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

  /** CONFIG REWRITE always (masterauth, users in redis.conf); ACL SAVE when users live in an ACL file. */
  private async persist(node: Endpoint, passwords: readonly string[]): Promise<void> {
    const [reply] = await this.onNode(node, passwords, [['CONFIG', 'GET', 'aclfile']]);
    const [, aclfile] = (reply ?? []) as string[];
    await this.onNode(node, passwords, [
      ...(aclfile ? [['ACL', 'SAVE']] : []),
      ['CONFIG', 'REWRITE'],
    ]);
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
