// Read-only looks at what a rotation left on the real processes and in the store, for tests
// that must show "nothing changed" or "back to the old password": every node's ACL, its
// masterauth, and a snapshot of parameters, journal and event log. Never prints a password.
import Redis from 'ioredis';
import type { LocalBackend } from '../../functions/adapters/local/local-backend';
import { withoutSecureValue } from './secrets';
import type { Topology } from './topology';

/** `ACL LIST` of every running data node, by port (hashes only, never a clear password). */
export async function aclLists(
  topology: Topology,
  loginPassword = topology.options.password,
): Promise<Record<number, unknown>> {
  const lists: Record<number, unknown> = {};
  for (const node of topology.nodes)
    if (node.child)
      lists[node.port] = await topology.callAs(node.port, loginPassword, 'ACL', 'LIST');
  return lists;
}

/** How many passwords `user` has on the node on `port`. */
export async function passwordCount(
  topology: Topology,
  port: number,
  user: string,
  loginPassword?: string,
): Promise<number> {
  const reply = (await (loginPassword
    ? topology.callAs(port, loginPassword, 'ACL', 'GETUSER', user)
    : topology.call(port, 'node', 'ACL', 'GETUSER', user))) as unknown[];
  return (reply[reply.indexOf('passwords') + 1] as unknown[]).length;
}

/** Whether the node's masterauth equals `password` (compared here, never returned). */
export async function hasMasterauth(
  topology: Topology,
  port: number,
  password: string,
): Promise<boolean> {
  const reply = (await topology.call(port, 'node', 'CONFIG', 'GET', 'masterauth')) as string[];
  return reply[1] === password;
}

/**
 * Everything a rotation could write to the store, as one comparable text. Secure values are
 * fingerprints (sha256 prefixes): any change still shows, but a failing comparison prints no
 * password.
 */
export async function storeSnapshot(backend: LocalBackend): Promise<string> {
  const parameters = await backend.parameters.list('/', { recursive: true });
  const history = await Promise.all(parameters.map((p) => backend.parameters.history(p.name)));
  return JSON.stringify({
    parameters: history.map((versions) => versions.map(withoutSecureValue)),
    journal: await backend.state.readJournal(),
    events: backend.events.list({ limit: 10_000 }),
    rotation: (await backend.state.getRotation('test')) ?? null,
    lock: (await backend.state.getLock('test')) ?? null,
  });
}

/** Whether the node on `port` lets `user` log in with `password` (AUTH user password). */
export async function acceptsAs(port: number, user: string, password: string): Promise<boolean> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    username: user,
    password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableReadyCheck: false,
    connectTimeout: 1000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
