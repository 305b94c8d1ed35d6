// Which Parameter Store names each function may touch, derived from the inventory, and their
// ARNs: the IAM policies list exactly these, never `parameter/*`.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { Inventory } from '../functions/core/inventory';

/** Parameter names the inventory implies, grouped by what the functions do with them. */
export interface ParameterNames {
  /** `passwordParameter` (and a Sentinel cluster's `sentinelPasswordParameter`) of every cluster. */
  readonly passwords: readonly string[];
  /** Rotation's in-flight copies beside each password: `<name>/pending`, `<name>/previous`. */
  readonly inFlightCopies: readonly string[];
  /** Every cluster's platform parameters (rewritten on a failover and a rotation). */
  readonly platform: readonly string[];
}

/** The parameter names of every cluster of the inventory, sorted, without duplicates. */
export function parameterNames(inventory: Inventory): ParameterNames {
  const passwords = inventory.clusters.flatMap((cluster) =>
    cluster.kind === 'sentinel' && cluster.sentinelPasswordParameter
      ? [cluster.passwordParameter, cluster.sentinelPasswordParameter]
      : [cluster.passwordParameter],
  );
  return {
    passwords: unique(passwords),
    inFlightCopies: unique(passwords.flatMap((name) => [`${name}/pending`, `${name}/previous`])),
    platform: unique(
      inventory.clusters.flatMap((cluster) => Object.keys(cluster.platformParameters)),
    ),
  };
}

/**
 * ARN of a parameter. A name with `/` levels starts with `/`, which the ARN already has after
 * `parameter` (`arn:aws:ssm:eu-west-1:123456789012:parameter/redis/sessions/password`).
 * Also what GetParametersByPath authorises for a path.
 */
export function parameterArn(scope: IConstruct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: name.replace(/^\//, ''),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}
