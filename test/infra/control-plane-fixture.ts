// Builds the redis-ha stack for template tests, with esbuild skipped (bundling-stacks: []),
// so a test synthesizes in milliseconds instead of bundling three Lambdas.
import { App, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ControlPlaneInventory } from '../../lib/control-plane-inventory';
import type { RedisHaControlPlaneProps } from '../../lib/redis-ha-control-plane';
import { RedisHaStack } from '../../lib/redis-ha-stack';

export const EXAMPLE_INVENTORY = 'examples/redis-ha.example.yaml';

export const NETWORK = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
  securityGroupId: 'sg-0123456789abcdef0',
} as const;

export interface FixtureOptions extends Partial<RedisHaControlPlaneProps>, StackProps {
  /** Inventory text instead of the example inventory. */
  readonly inventoryText?: string;
}

/** A new app (bundling skipped) with the stack for the example inventory, and its template. */
export function controlPlaneStack(options: FixtureOptions = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { inventoryText, ...props } = options;
  const inventory =
    inventoryText === undefined
      ? ControlPlaneInventory.fromFile(EXAMPLE_INVENTORY)
      : ControlPlaneInventory.fromText(inventoryText, 'test.yaml');
  const stack = new RedisHaStack(app, 'Test', {
    inventory,
    ...NETWORK,
    subnetIds: [...NETWORK.subnetIds],
    ...props,
  });
  let template: Template | undefined;
  return {
    app,
    stack,
    /** Synthesizes on first use: add constructs or validation plugins before reading it. */
    get template(): Template {
      template ??= Template.fromStack(stack);
      return template;
    },
  };
}

/** Resources of one type, logical id → properties. */
export function resourcesOf(
  template: Template,
  type: string,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [id, resource] of Object.entries(template.findResources(type)))
    out[id] = (resource as { Properties: Record<string, unknown> }).Properties;
  return out;
}
