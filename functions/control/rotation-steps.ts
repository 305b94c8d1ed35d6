// The Redis side of a password rotation: what steps 3, 4, 5 and 7 (and a rollback) do to the
// data nodes and sentinels. Each operation is idempotent, so a resumed step can run it again.
// Commands go through the cluster's command renames; errors never carry a password.
import { formatEndpoint, parseEndpoint, type Endpoint } from '../core/endpoint';
import { GatewayError, redact, RedisHaError } from '../core/errors';
import { mapAddress, type SentinelCluster } from '../core/inventory';
import type { ControlDeps } from './reconcile';
import {
  dataConnection,
  loadCredentials,
  probeCluster,
  sentinelConnection,
  type ProbeResult,
} from './probe-cluster';

/** Both passwords of a rotation, held in memory only. */
export interface RotationSecrets {
  readonly oldPassword: string;
  readonly newPassword: string;
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

  /** Step 3: the new password next to the old on every node, then masterauth, persisted. */
  async addPassword(
    nodes: readonly Endpoint[],
    { oldPassword, newPassword }: RotationSecrets,
  ): Promise<void> {
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
  }

  /** Step 4 (and its undo): the sentinels authenticate to the data nodes with `password`. */
  async pointSentinelsAt(password: string): Promise<void> {
    for (const sentinel of this.cluster.sentinels) await this.pointSentinelAt(sentinel, password);
  }

  private async pointSentinelAt(sentinel: string, password: string): Promise<void> {
    const { sentinelPassword } = await loadCredentials(this.cluster, this.deps.parameters);
    const name = this.cluster.masterName;
    await this.deps.gateway.run(
      parseEndpoint(sentinel) as Endpoint,
      sentinelConnection(this.cluster, sentinelPassword),
      [
        ['SENTINEL', 'SET', name, 'auth-pass', password],
        ...(this.cluster.username
          ? [['SENTINEL', 'SET', name, 'auth-user', this.cluster.username]]
          : []),
      ],
    );
  }

  /** Step 5: the new password works on every node, replicas are attached, sentinels agree. */
  async verify(nodes: readonly Endpoint[], newPassword: string, isForced: boolean): Promise<void> {
    const stored = await loadCredentials(this.cluster, this.deps.parameters);
    const probe = await probeCluster(this.cluster, this.deps, {
      ...stored,
      dataPassword: newPassword,
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
    for (const node of nodes) await this.onNode(node, [newPassword], [['PING']]);
  }

  /** Step 7: only the new password remains on every node, and the old one is refused. */
  async removeOldPassword(
    nodes: readonly Endpoint[],
    { oldPassword, newPassword }: RotationSecrets,
  ): Promise<void> {
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
      const answer = await this.deps.gateway.queryRole(
        node,
        dataConnection(this.cluster, oldPassword),
      );
      if (answer.ok || answer.failure !== 'auth-failed') {
        throw new RedisHaError(
          'ROTATION_OLD_STILL_VALID',
          `${formatEndpoint(node)} still accepts the old password`,
        );
      }
    }
  }

  /** Rollback: sentinels and masterauth back to the old password, the new one removed. */
  async revert(nodes: readonly Endpoint[], secrets: RotationSecrets): Promise<RevertOutcome> {
    const { oldPassword, newPassword } = secrets;
    // A target that cannot be reached now either never got the new password (it was down at
    // step 3) or gets it removed at the next attempt; one that answers and cannot be reverted
    // keeps the rollback pending.
    const skipped: string[] = [];
    const unreverted: string[] = [];
    const attempt = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        const text = redact(error instanceof Error ? error.message : String(error), [
          oldPassword,
          newPassword,
        ]);
        (isUnreachable(error) ? skipped : unreverted).push(text);
      }
    };
    for (const sentinel of this.cluster.sentinels)
      await attempt(() => this.pointSentinelAt(sentinel, oldPassword));
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

  private masterauth(password: string): string[][] {
    return [
      ['CONFIG', 'SET', 'masterauth', password],
      ...(this.cluster.username ? [['CONFIG', 'SET', 'masteruser', this.user]] : []),
    ];
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

  /**
   * Runs `commands` on a node, authenticating with the first of `passwords` it accepts (a
   * resumed step does not know which one a node holds yet). Errors matching `tolerated` count
   * as done.
   */
  private async onNode(
    node: Endpoint,
    passwords: readonly string[],
    commands: string[][],
    tolerated?: RegExp,
  ): Promise<unknown[]> {
    let lastError: unknown;
    for (const password of passwords) {
      try {
        const replies: unknown[] = [];
        for (const command of commands) {
          try {
            replies.push(
              ...(await this.deps.gateway.run(node, dataConnection(this.cluster, password), [
                command,
              ])),
            );
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
