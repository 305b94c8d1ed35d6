// The rotation mechanics of an ElastiCache replication group: the AUTH token through
// ModifyReplicationGroup (ROTATE, then SET after the grace period) or an RBAC user's password
// through ModifyUser (both passwords, then the new one alone). A change is recorded as requested
// BEFORE its call, and a resumed step asks the group and a real AUTH before asking again, so an
// applied ROTATE is never sent twice. Nothing here sleeps: a change still being applied comes
// back as `waitingFor` (the local runner polls, Step Functions retries). No secret in any text.
import type { ElastiCacheApi } from '../core/elasticache';
import { ElastiCacheUserBusyError } from '../core/elasticache';
import { elastiCacheAuthConnection } from '../core/elasticache-connection';
import {
  changeAction,
  elastiCacheTemplateValues,
  groupBusy,
  isTokenRotation,
  userBusy,
} from '../core/elasticache-rotation';
import { formatEndpoint, parseEndpoint, type Endpoint } from '../core/endpoint';
import { GatewayError, RedisHaError } from '../core/errors';
import type { ElastiCacheCluster } from '../core/inventory';
import type { RequestedChange, RotationRecord } from '../core/rotation';
import { writePlatformParameters } from './platform-parameters';
import type { ControlDeps } from './reconcile';
import type { RevertStep, RotationMechanics, StepOutcome } from './rotation-mechanics';
import type { RotationSecrets } from './rotation-steps';
import type { RotationTrail } from './rotation-trail';

/** The ElastiCache API of the cluster's Region, or a clear error when the runtime has none. */
export function elastiCacheApiOf(cluster: ElastiCacheCluster, deps: ControlDeps): ElastiCacheApi {
  if (!deps.elasticache)
    throw new RedisHaError(
      'ELASTICACHE_NOT_WIRED',
      `${cluster.name}: this runtime has no ElastiCache API client (ControlDeps.elasticache)`,
    );
  return deps.elasticache(cluster.region);
}

/**
 * Whether `endpoint` takes AUTH with `password` (as the cluster's client) and answers PING:
 * false for a refused AUTH; any other failure (unreachable, TLS) throws.
 */
export async function acceptsPassword(
  cluster: ElastiCacheCluster,
  deps: Pick<ControlDeps, 'gateway'>,
  endpoint: Endpoint,
  password: string,
): Promise<boolean> {
  try {
    await deps.gateway.run(endpoint, elastiCacheAuthConnection(cluster, password), [['PING']]);
    return true;
  } catch (error) {
    if (error instanceof GatewayError && error.failure === 'auth-failed') return false;
    throw error;
  }
}

/** How one change is asked for and how its effect shows on the data plane. */
interface Change {
  readonly change: RequestedChange['change'];
  /** The journal step it belongs to. */
  readonly step: string;
  /** The call, in words (no secret). */
  readonly what: string;
  isApplied(): Promise<boolean>;
  request(): Promise<void>;
}

export class ElastiCacheRotation implements RotationMechanics {
  private readonly api: ElastiCacheApi;
  private readonly isToken: boolean;

  constructor(
    private readonly cluster: ElastiCacheCluster,
    private readonly deps: ControlDeps,
    private readonly trail: RotationTrail,
  ) {
    this.api = elastiCacheApiOf(cluster, deps);
    this.isToken = isTokenRotation(cluster);
  }

  /** ROTATE (old and new token valid), or ModifyUser with both passwords. */
  addPassword(record: RotationRecord, secrets: RotationSecrets): Promise<StepOutcome> {
    const { oldPassword, newPassword } = secrets;
    return this.change(record, {
      change: 'add-new',
      step: 'nodes-added',
      what: this.isToken
        ? `ModifyReplicationGroup ${this.cluster.replicationGroupId} AuthTokenUpdateStrategy ROTATE`
        : `ModifyUser ${this.cluster.userId} with the old and the new password`,
      isApplied: () => this.accepts(record, newPassword),
      request: () =>
        this.isToken
          ? this.api.modifyAuthToken(this.cluster.replicationGroupId, newPassword, 'ROTATE')
          : this.api.modifyUserPasswords(this.userId, [oldPassword, newPassword]),
    });
  }

  /** No sentinels: ElastiCache authenticates its own replicas. */
  updateSentinels(record: RotationRecord): Promise<StepOutcome> {
    return Promise.resolve({ record });
  }

  async verify(record: RotationRecord, secrets: RotationSecrets): Promise<StepOutcome> {
    const busy = await this.busy();
    if (busy) return { record, waitingFor: busy };
    if (!(await this.accepts(record, secrets.newPassword)))
      throw new RedisHaError(
        'ROTATION_VERIFY_FAILED',
        `verification failed: ${this.endpointText(record)} refuses the new ${this.secretWord}`,
      );
    return { record };
  }

  async publish(_record: RotationRecord, secrets: RotationSecrets): Promise<void> {
    const { cluster, deps } = this;
    await deps.parameters.put(cluster.passwordParameter, secrets.newPassword, { isSecure: true });
    const group = await this.api.describeReplicationGroup(cluster.replicationGroupId);
    const values = elastiCacheTemplateValues(cluster, group, secrets.newPassword);
    const written = await writePlatformParameters(cluster, deps.parameters, values);
    deps.hooks?.onParametersWritten?.(cluster.name, written);
  }

  /** SET with the new token (the old one refused from then on), or ModifyUser with it alone. */
  async removeOldPassword(record: RotationRecord, secrets: RotationSecrets): Promise<StepOutcome> {
    const { oldPassword, newPassword } = secrets;
    const outcome = await this.change(record, {
      change: 'remove-old',
      step: 'old-removed',
      what: this.isToken
        ? `ModifyReplicationGroup ${this.cluster.replicationGroupId} AuthTokenUpdateStrategy SET`
        : `ModifyUser ${this.cluster.userId} with the new password alone`,
      isApplied: async () => !(await this.accepts(record, oldPassword)),
      request: () =>
        this.isToken
          ? this.api.modifyAuthToken(this.cluster.replicationGroupId, newPassword, 'SET')
          : this.api.modifyUserPasswords(this.userId, [newPassword]),
    });
    if (outcome.waitingFor) return outcome;
    if (!(await this.accepts(record, newPassword)))
      throw new RedisHaError(
        'ROTATION_NEW_REFUSED',
        `${this.endpointText(record)} refuses the new ${this.secretWord} after the old one was removed`,
      );
    return outcome;
  }

  /** Before publishing: SET the old token again, or ModifyUser with the old password alone. */
  async revert(record: RotationRecord, secrets: RotationSecrets): Promise<RevertStep> {
    const none = { skipped: [], unreverted: [], unpersisted: [] };
    // Nothing was ever asked of ElastiCache: the old one is still the only one.
    if (!record.requestedChange) return { record, reverted: none };
    const { oldPassword, newPassword } = secrets;
    const outcome = await this.change(record, {
      change: 'restore-old',
      step: 'rolled-back',
      what: this.isToken
        ? `ModifyReplicationGroup ${this.cluster.replicationGroupId} AuthTokenUpdateStrategy SET with the old token`
        : `ModifyUser ${this.cluster.userId} with the old password alone`,
      isApplied: async () => !(await this.accepts(record, newPassword)),
      request: () =>
        this.isToken
          ? this.api.modifyAuthToken(this.cluster.replicationGroupId, oldPassword, 'SET')
          : this.api.modifyUserPasswords(this.userId, [oldPassword]),
    });
    if (outcome.waitingFor) return { record: outcome.record, waitingFor: outcome.waitingFor };
    const isOldAccepted = await this.accepts(record, oldPassword);
    return {
      record: outcome.record,
      reverted: {
        ...none,
        unreverted: isOldAccepted
          ? []
          : [`${this.endpointText(record)} refuses the old ${this.secretWord} after the rollback`],
      },
    };
  }

  /**
   * Waits out a busy group or user, does nothing for a change already in effect, and otherwise
   * records the change as requested, then asks for it (core/elasticache-rotation.ts).
   */
  private async change(record: RotationRecord, how: Change): Promise<StepOutcome> {
    const busy = await this.busy();
    const requested = record.requestedChange;
    const isAgain = requested?.change === how.change;
    const requestedMsAgo = isAgain
      ? this.deps.clock.now().getTime() - Date.parse(requested.at)
      : null;
    const action = changeAction({
      busy,
      isApplied: busy ? false : await how.isApplied(),
      requestedMsAgo,
    });
    if (action === 'wait')
      return { record, waitingFor: busy ?? `${how.what}, requested at ${requested?.at}, to show` };
    if (action === 'done') return { record };
    const saved = await this.trail.save(
      { ...record, requestedChange: { change: how.change, at: this.trail.now() } },
      record.phase,
    );
    await this.trail.journal(
      saved,
      how.step,
      'started',
      `${how.what} requested${isAgain ? ' again (the earlier request left no effect)' : ''}`,
    );
    try {
      await how.request();
    } catch (error) {
      // InvalidUserState: the user is still applying an earlier change, and this one was not
      // taken: forget it (so nothing waits for it to show) and ask again once the user is active.
      if (error instanceof ElastiCacheUserBusyError)
        return {
          record: await this.trail.save(record, saved.phase),
          waitingFor: `ElastiCache user ${error.userId} to be active (InvalidUserState)`,
        };
      throw error;
    }
    return { record: saved, waitingFor: `${how.what} to be applied` };
  }

  /** What the group (token) or user (RBAC) is still applying, or null. */
  private async busy(): Promise<string | null> {
    if (this.isToken)
      return groupBusy(await this.api.describeReplicationGroup(this.cluster.replicationGroupId));
    const user = await this.api.describeUser(this.userId);
    if (!user)
      throw new RedisHaError(
        'ELASTICACHE_USER_NOT_FOUND',
        `ElastiCache user ${this.userId} not found (Region ${this.cluster.region})`,
      );
    return userBusy(user);
  }

  private accepts(record: RotationRecord, password: string): Promise<boolean> {
    return acceptsPassword(this.cluster, this.deps, this.endpoint(record), password);
  }

  /** The endpoint recorded at the start (the primary's, or the configuration endpoint). */
  private endpoint(record: RotationRecord): Endpoint {
    const endpoint = record.nodes[0] ? parseEndpoint(record.nodes[0]) : undefined;
    if (!endpoint)
      throw new RedisHaError(
        'BAD_ROTATION_RECORD',
        `rotation ${record.rotationId} of ${this.cluster.name} records no endpoint`,
      );
    return endpoint;
  }

  private endpointText(record: RotationRecord): string {
    return formatEndpoint(this.endpoint(record));
  }

  private get secretWord(): string {
    return this.isToken ? 'AUTH token' : `password of user ${this.cluster.userId}`;
  }

  private get userId(): string {
    return this.cluster.userId ?? '';
  }
}
