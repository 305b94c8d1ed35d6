// The rotation mechanics of a self-hosted Sentinel cluster: steps 3, 4, 5, 6 and 7 and the
// rollback on the data nodes and sentinels (the commands themselves: rotation-steps.ts).
// Nothing here waits: every Redis change is done when its command answers.
import { formatEndpoint } from '../core/endpoint';
import { mapAddress } from '../core/cluster-addresses';
import type { SentinelCluster } from '../core/inventory';
import type { RotationRecord } from '../core/rotation';
import { templateValues } from '../core/template-values';
import { writePlatformParameters } from './platform-parameters';
import { loadCredentials, probeCluster } from './probe-cluster';
import type { ControlDeps } from './reconcile';
import type { RevertStep, RotationMechanics, StepOutcome } from './rotation-mechanics';
import { RotationSteps, type RotationSecrets } from './rotation-steps';

export class SentinelRotation implements RotationMechanics {
  private readonly steps: RotationSteps;

  constructor(
    private readonly cluster: SentinelCluster,
    private readonly deps: ControlDeps,
  ) {
    this.steps = new RotationSteps(cluster, deps);
  }

  async addPassword(record: RotationRecord, secrets: RotationSecrets): Promise<StepOutcome> {
    const nodes = await this.steps.nodes(record.nodes, secrets.oldPassword);
    const added = await this.steps.addPassword(nodes, secrets, record.sharedPasswordUsers ?? {});
    return {
      record: {
        ...record,
        nodes: nodes.map(formatEndpoint),
        sharedPasswordUsers: added.shared,
        unpersistedNodes: union(record.unpersistedNodes, added.unpersisted),
      },
    };
  }

  async updateSentinels(record: RotationRecord, secrets: RotationSecrets): Promise<StepOutcome> {
    await this.steps.pointSentinelsAt(secrets.newPassword, secrets.sentinel?.newPassword);
    return { record };
  }

  async verify(record: RotationRecord, secrets: RotationSecrets): Promise<StepOutcome> {
    const nodes = await this.steps.nodes(record.nodes, secrets.newPassword);
    await this.steps.verify(nodes, secrets, record.isForced);
    return { record };
  }

  /** Step 6: platforms read the new password from now on. */
  async publish(_record: RotationRecord, secrets: RotationSecrets): Promise<void> {
    const { cluster, deps } = this;
    const { newPassword } = secrets;
    await deps.parameters.put(cluster.passwordParameter, newPassword, { isSecure: true });
    if (secrets.sentinel && cluster.sentinelPasswordParameter) {
      await deps.parameters.put(cluster.sentinelPasswordParameter, secrets.sentinel.newPassword, {
        isSecure: true,
      });
    }
    const stored = await loadCredentials(cluster, deps.parameters);
    const probe = await probeCluster(cluster, deps, stored);
    const state = await deps.state.getClusterState(cluster.name);
    const master = probe.verdict.isConfirmed
      ? probe.masterDial
      : state?.master
        ? mapAddress(cluster, state.master)
        : null;
    if (master) {
      const values = templateValues(cluster, master, newPassword);
      const written = await writePlatformParameters(cluster, deps.parameters, values);
      deps.hooks?.onParametersWritten?.(cluster.name, written);
    }
  }

  async removeOldPassword(record: RotationRecord, secrets: RotationSecrets): Promise<StepOutcome> {
    const nodes = await this.steps.nodes(record.nodes, secrets.newPassword);
    const removed = await this.steps.removeOldPassword(
      nodes,
      secrets,
      record.sharedPasswordUsers ?? {},
    );
    return {
      record: {
        ...record,
        unpersistedNodes: union(record.unpersistedNodes, removed.unpersisted),
      },
    };
  }

  async revert(record: RotationRecord, secrets: RotationSecrets): Promise<RevertStep> {
    const nodes = await this.steps.nodes(record.nodes, secrets.oldPassword);
    const reverted = await this.steps.revert(nodes, secrets, record.sharedPasswordUsers ?? {});
    return { record, reverted };
  }
}

function union(a: readonly string[] = [], b: readonly string[] = []): string[] {
  return [...new Set([...a, ...b])];
}
