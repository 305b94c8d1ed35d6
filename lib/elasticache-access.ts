// Least privilege on the ElastiCache API, derived from the inventory: the replication groups and
// RBAC users of its `elasticache` clusters, each ARN in the cluster's own Region. None at all when
// the inventory has no `elasticache` cluster.
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticache.html
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import type { ElastiCacheCluster } from '../functions/core/inventory';

/** Who gets which ElastiCache actions. */
export interface ElastiCacheAccessProps {
  readonly clusters: readonly ElastiCacheCluster[];
  /** Probes the groups and reads their events. */
  readonly probe: IFunction;
  /** Rotates AUTH tokens and RBAC passwords. */
  readonly rotation: IFunction;
}

/** The ElastiCache actions each function calls, on exactly the inventory's groups and users. */
export function grantElastiCacheAccess(props: ElastiCacheAccessProps): void {
  const { clusters, probe, rotation } = props;
  if (clusters.length === 0) return;
  const groups = unique(clusters.map((c) => replicationGroupArn(probe, c)));
  const users = unique(clusters.flatMap((c) => (c.userId ? [userArn(probe, c, c.userId)] : [])));

  // probe: the group's view (status, members, roles, endpoints) and its recent events.
  probe.addToRolePolicy(
    new PolicyStatement({ actions: ['elasticache:DescribeReplicationGroups'], resources: groups }),
  );
  probe.addToRolePolicy(
    new PolicyStatement({ actions: ['elasticache:DescribeEvents'], resources: ['*'] }),
  );
  if (probe.role)
    Validations.of(probe.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'elasticache:DescribeEvents has no resource-level permissions (Service Authorization Reference: no resource type), so it takes "*"; it only reads event messages of this account and Region.',
    });

  // rotation: AUTH token (ModifyReplicationGroup with AuthToken, ROTATE then SET) and waiting for
  // the group to be available again; RBAC passwords (ModifyUser) and waiting for the user.
  rotation.addToRolePolicy(
    new PolicyStatement({
      actions: ['elasticache:DescribeReplicationGroups', 'elasticache:ModifyReplicationGroup'],
      resources: groups,
    }),
  );
  if (users.length > 0)
    rotation.addToRolePolicy(
      new PolicyStatement({
        actions: ['elasticache:DescribeUsers', 'elasticache:ModifyUser'],
        resources: users,
      }),
    );
}

/** `arn:<partition>:elasticache:<region>:<account>:replicationgroup:<id>`. */
export function replicationGroupArn(scope: IConstruct, cluster: ElastiCacheCluster): string {
  return elastiCacheArn(scope, cluster.region, 'replicationgroup', cluster.replicationGroupId);
}

/**
 * `arn:<partition>:elasticache:<region>:<account>:user:<userId>`, lower-cased: ElastiCache keeps
 * ids in lower case, and a resource-level permission only matches a lower-case name.
 */
export function userArn(scope: IConstruct, cluster: ElastiCacheCluster, userId: string): string {
  return elastiCacheArn(scope, cluster.region, 'user', userId.toLowerCase());
}

function elastiCacheArn(
  scope: IConstruct,
  region: string,
  resource: string,
  resourceName: string,
): string {
  return Stack.of(scope).formatArn({
    service: 'elasticache',
    region,
    resource,
    resourceName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
