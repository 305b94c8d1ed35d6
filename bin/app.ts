// CDK app: reads and validates the inventory, then instantiates the redis-ha stack with
// cdk-nag's AwsSolutions checks. `npx cdk synth -c inventory=<file>` works offline.
//
// Context (`-c key=value`, or the `context` of cdk.json):
//   inventory        inventory file (default redis-ha.yaml)
//   vpcId            VPC from which the sentinels and ElastiCache groups are reachable
//   subnetIds        subnets for the Lambdas: comma-separated with -c, or a list in cdk.json
//   securityGroupId  security group for the Lambdas
// With the example inventory and no network given, documentation ids are used so that the
// example synthesizes; any other inventory needs all three.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlPlaneInventory } from '../lib/control-plane-inventory';
import { RedisHaStack } from '../lib/redis-ha-stack';

const EXAMPLE_INVENTORY = 'examples/redis-ha.example.yaml';
const EXAMPLE_NETWORK = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
  securityGroupId: 'sg-0123456789abcdef0',
};

const app = new App();
const context = (key: string): unknown => app.node.tryGetContext(key);
const inventoryPath = String(context('inventory') ?? 'redis-ha.yaml');

function network() {
  const vpcId = context('vpcId');
  const subnets = context('subnetIds');
  const securityGroupId = context('securityGroupId');
  if (vpcId === undefined && subnets === undefined && securityGroupId === undefined) {
    if (inventoryPath.replace(/^\.\//, '') === EXAMPLE_INVENTORY) return EXAMPLE_NETWORK;
  }
  const missing = Object.entries({ vpcId, subnetIds: subnets, securityGroupId })
    .filter(([, value]) => value === undefined || value === '')
    .map(([key]) => key);
  if (missing.length > 0)
    throw new Error(
      `missing context ${missing.join(', ')}: give -c vpcId=vpc-... -c subnetIds=subnet-a,subnet-b -c securityGroupId=sg-... (or set them in cdk.json's context)`,
    );
  const subnetIds = Array.isArray(subnets)
    ? subnets.map(String)
    : String(subnets)
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '');
  return { vpcId: String(vpcId), subnetIds, securityGroupId: String(securityGroupId) };
}

try {
  new RedisHaStack(app, 'RedisHa', {
    description:
      'redis-ha: serverless control plane for Redis Sentinel clusters and ElastiCache replication groups',
    inventory: ControlPlaneInventory.fromFile(inventoryPath),
    ...network(),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
} catch (error) {
  // An invalid inventory or network is the operator's to fix: the message, not a stack trace.
  // cdk-nag's own report is printed by CDK before it throws.
  process.stderr.write(`redis-ha: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
