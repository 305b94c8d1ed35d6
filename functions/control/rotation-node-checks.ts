// What a rotation asks of a data node besides changing passwords: step 1's read-only facts
// (config file, users holding the old password), persisting (CONFIG REWRITE / ACL SAVE, or not
// at all without a config file), requirepass kept in step, and which users still accept the old
// password after step 7. Passwords are compared by hash or by a login, never echoed.
import { createHash } from 'node:crypto';
import { formatEndpoint, type Endpoint } from '../core/endpoint';
import { GatewayError, RedisHaError } from '../core/errors';
import type { SentinelCluster } from '../core/inventory';
import {
  configFileFromInfo,
  usersHoldingPassword,
  type NodeFacts,
} from '../core/rotation-preflight';
import { dataConnection } from '../core/connection';
import type { ControlDeps } from './reconcile';
import type { RotationCommands } from './rotation-commands';
import type { PasswordPair } from './rotation-steps';

/** Time allowed for CONFIG REWRITE / ACL SAVE, at least (they fsync). */
const PERSIST_TIMEOUT_MS = 10_000;

export class NodeChecks {
  constructor(
    private readonly cluster: SentinelCluster,
    private readonly deps: ControlDeps,
    private readonly commands: RotationCommands,
  ) {}

  /** Enabled users on `node` that hold `password` (logging in with one of `loginPasswords`). */
  async usersHolding(
    node: Endpoint,
    loginPasswords: readonly string[],
    password: string,
  ): Promise<string[]> {
    const [acl] = await this.commands.onNode(node, loginPasswords, [['ACL', 'LIST']]);
    return usersHoldingPassword(acl as string[], sha256(password));
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
        const [info, acl] = await this.commands.onNode(
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
   * requirepass style: keep redis.conf's requirepass line in step with the default user, or a
   * restart would bring the old password back. Setting requirepass leaves `default` with that
   * one password, so it is done only where requirepass held the old (or already the new) one.
   */
  async alignRequirepass(
    node: Endpoint,
    { oldPassword, newPassword }: PasswordPair,
    isDefaultSharing: boolean,
  ): Promise<void> {
    if (this.cluster.username && !isDefaultSharing) return;
    if (this.cluster.username) {
      const [reply] = await this.commands.onNode(
        node,
        [newPassword],
        [['CONFIG', 'GET', 'requirepass']],
      );
      const current = ((reply ?? []) as string[])[1];
      if (current !== oldPassword) return;
    }
    await this.commands.onNode(
      node,
      [newPassword],
      [['CONFIG', 'SET', 'requirepass', newPassword]],
    );
  }

  /** `host:port user x` for each of `users`, and any other enabled user, that accepts `password`. */
  async usersAccepting(
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
    const [acl] = await this.commands.onNode(node, [loginPassword], [['ACL', 'LIST']]);
    for (const user of usersHoldingPassword(acl as string[], sha256(password)))
      if (!users.includes(user)) accepting.push(`${where} user ${user}`);
    return accepting;
  }

  /**
   * CONFIG REWRITE (masterauth, users in redis.conf) and ACL SAVE when users live in an ACL
   * file. A node without a config file cannot be rewritten: false when the inventory allows
   * rotating it in memory only, an error naming the node otherwise.
   */
  async persist(
    node: Endpoint,
    passwords: readonly string[],
    isMemoryOnlyAllowed = this.cluster.rotation.allowUnpersisted,
  ): Promise<boolean> {
    const [info, reply] = await this.commands.onNode(node, passwords, [
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
    await this.commands.runWithAny(
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
}

/** SHA-256 in lowercase hex, as ACL LIST shows a user's passwords. */
function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
