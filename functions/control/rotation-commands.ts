// Runs a rotation's commands on data nodes and sentinels: one short connection per command,
// logging in with the first of several passwords a target accepts (a resumed step does not know
// which one a target holds yet), honouring command renames. Errors never carry a password.
import type { Endpoint } from '../core/endpoint';
import { GatewayError } from '../core/errors';
import type { SentinelCluster } from '../core/inventory';
import type { ConnectionOptions } from '../core/ports';
import { dataConnection, sentinelConnection } from '../core/connection';
import type { ControlDeps } from './reconcile';

export class RotationCommands {
  constructor(
    private readonly cluster: SentinelCluster,
    private readonly deps: ControlDeps,
  ) {}

  /** Commands on a data node as the cluster's user. */
  onNode(
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

  /** Commands on a sentinel as the sentinels' user. */
  onSentinel(
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
  async runWithAny(
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

/** True when a target did not answer at all (refused, reset, timed out). */
export function isUnreachable(error: unknown): boolean {
  return (
    error instanceof GatewayError &&
    (error.failure === 'unreachable' || error.failure === 'timeout')
  );
}
