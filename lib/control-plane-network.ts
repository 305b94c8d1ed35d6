// The network the Lambdas run in, imported by id: no lookup, so synth stays offline. The ids
// are checked at synth, since a typo found by CloudFormation costs a rollback.
import { Annotations, Token } from 'aws-cdk-lib';
import {
  SecurityGroup,
  Subnet,
  Vpc,
  type ISecurityGroup,
  type IVpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Ids of the network from which the sentinels and data nodes are reachable. */
export interface NetworkIds {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
}

/** The imported network, ready for a Lambda's `vpc`, `vpcSubnets` and `securityGroups`. */
export interface ControlPlaneNetwork {
  readonly vpc: IVpc;
  readonly vpcSubnets: SubnetSelection;
  readonly securityGroup: ISecurityGroup;
}

const ID_PATTERNS = {
  vpcId: /^vpc-[0-9a-f]{8,17}$/,
  subnetIds: /^subnet-[0-9a-f]{8,17}$/,
  securityGroupId: /^sg-[0-9a-f]{8,17}$/,
} as const;

/** Imports the VPC, subnets and security group by id, after checking every id. */
export function importNetwork(scope: Construct, ids: NetworkIds): ControlPlaneNetwork {
  checkNetworkIds(ids);
  const vpc = Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: ids.vpcId,
    availabilityZones: Stack.of(scope).availabilityZones,
  });
  const subnets = ids.subnetIds.map((subnetId, index) => {
    const subnet = Subnet.fromSubnetId(scope, `Subnet${index}`, subnetId);
    Annotations.of(subnet).acknowledgeWarning(
      '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      'Only the subnet id is needed, to place the Lambdas; no route table is read.',
    );
    return subnet;
  });
  // Immutable: the group is the operator's; CDK adds no rule to it.
  const securityGroup = SecurityGroup.fromSecurityGroupId(
    scope,
    'SecurityGroup',
    ids.securityGroupId,
    { mutable: false },
  );
  return { vpc, vpcSubnets: { subnets }, securityGroup };
}

function checkNetworkIds(ids: NetworkIds): void {
  const problems: string[] = [];
  const check = (prop: keyof typeof ID_PATTERNS, value: string) => {
    if (!Token.isUnresolved(value) && !ID_PATTERNS[prop].test(value))
      problems.push(`${prop}: ${JSON.stringify(value)} is not a ${prop.replace(/Ids?$/, '')} id`);
  };
  check('vpcId', ids.vpcId);
  if (ids.subnetIds.length === 0) problems.push('subnetIds: give at least one subnet id');
  for (const subnetId of ids.subnetIds) check('subnetIds', subnetId);
  check('securityGroupId', ids.securityGroupId);
  if (problems.length > 0)
    throw new Error(
      `RedisHaControlPlane: invalid network:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
}
