// What step 1 of a rotation learns about each data node before anything is touched: whether
// it runs with a config file (so CONFIG REWRITE can persist a password), and which ACL users
// accept the old password. Pure: parses replies the runner fetched; never sees a password, only
// its SHA-256 as Redis itself shows it in ACL LIST.

/** One data node as step 1 found it. */
export interface NodeFacts {
  /** Dial address, host:port. */
  readonly node: string;
  /** False when the node runs without a config file (the official Docker image's default). */
  readonly hasConfigFile: boolean;
  /** Enabled users that hold the old password (by its hash), the rotated user included. */
  readonly usersWithOldPassword: readonly string[];
}

/** The `config_file:` field of `INFO server`; empty when the server runs without one. */
export function configFileFromInfo(info: string): string {
  const line = info.split(/\r?\n/).find((l) => l.startsWith('config_file:'));
  return line ? line.slice('config_file:'.length).trim() : '';
}

/**
 * The enabled users of an `ACL LIST` reply that hold the password whose SHA-256 (lowercase hex)
 * is `passwordSha256`. A disabled (`off`) user accepts nothing, so it does not count; a `nopass`
 * user accepts every password, which no rotation can change, so it does not count either.
 */
export function usersHoldingPassword(aclList: readonly string[], passwordSha256: string): string[] {
  const users: string[] = [];
  for (const line of aclList) {
    const [keyword, name, ...rules] = line.split(' ');
    if (keyword !== 'user' || !name) continue;
    if (rules.includes('on') && rules.includes(`#${passwordSha256.toLowerCase()}`))
      users.push(name);
  }
  return users;
}

/** Other users than `user` that shared the old password, per node (nodes without any omitted). */
export function sharedPasswordUsers(
  facts: readonly NodeFacts[],
  user: string,
): Record<string, string[]> {
  const shared: Record<string, string[]> = {};
  for (const fact of facts) {
    const others = fact.usersWithOldPassword.filter((u) => u !== user);
    if (others.length > 0) shared[fact.node] = others;
  }
  return shared;
}

/** `default on 127.0.0.1:6380, 127.0.0.1:6381; ops on 127.0.0.1:6380`, for plans and journals. */
export function describeSharedUsers(shared: Readonly<Record<string, readonly string[]>>): string {
  const nodesByUser = new Map<string, string[]>();
  for (const [node, users] of Object.entries(shared))
    for (const user of users) nodesByUser.set(user, [...(nodesByUser.get(user) ?? []), node]);
  return [...nodesByUser].map(([user, nodes]) => `${user} on ${nodes.join(', ')}`).join('; ');
}

/** Nodes without a config file: a password set there lives in memory only. */
export function nodesWithoutConfigFile(facts: readonly NodeFacts[]): string[] {
  return facts.filter((f) => !f.hasConfigFile).map((f) => f.node);
}

/** Why a rotation may not start on these nodes, or null when it may. */
export function unpersistableRefusal(
  nodes: readonly string[],
  isUnpersistedAllowed: boolean,
): string | null {
  if (nodes.length === 0 || isUnpersistedAllowed) return null;
  return (
    `${nodes.join(', ')} run${nodes.length === 1 ? 's' : ''} without a config file (INFO server: empty config_file), ` +
    'so CONFIG REWRITE cannot persist a new password and a restart would bring back the old one; nothing was changed. ' +
    'Start them with a config file, or set rotation.allowUnpersisted: true in the inventory to rotate in memory only'
  );
}

/** The warning a rotation in memory only carries in its plan, journal and events. */
export function unpersistedWarning(nodes: readonly string[]): string {
  return `${nodes.join(', ')} run${nodes.length === 1 ? 's' : ''} without a config file: the new password is set in memory only, and a restart of ${nodes.length === 1 ? 'that node' : 'those nodes'} brings back the old one (rotation.allowUnpersisted)`;
}
