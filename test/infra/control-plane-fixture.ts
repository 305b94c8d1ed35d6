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

/** A statement of an IAM policy, as CloudFormation JSON. */
export interface StatementJson {
  readonly Effect?: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** Logical id of the one resource of `type` whose id contains `name`. */
export function logicalIdOf(template: Template, type: string, name: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.includes(name));
  if (ids.length !== 1) throw new Error(`${ids.length} resources ${type} named like ${name}`);
  return ids[0] as string;
}

/** Policy statements attached to the role of a function. */
export function statementsOfFunction(template: Template, functionId: string): StatementJson[] {
  const fn = resourcesOf(template, 'AWS::Lambda::Function')[functionId];
  const role = (fn?.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Roles).includes(role))
    .flatMap((policy) => (policy.PolicyDocument as { Statement: StatementJson[] }).Statement);
}

export const actionsOf = (statement: { Action: string | string[] }): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** The resources of a statement as text, tokens resolved to their CloudFormation JSON. */
export const resourceTexts = (statement: { Resource: unknown }): string[] =>
  (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map((r) =>
    typeof r === 'string' ? r : JSON.stringify(r),
  );

/** An ARN built by formatArn (`Fn::Join` of text and `Ref`s) as `arn:${AWS::Partition}:...`. */
export function arnText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return JSON.stringify(value);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      return ref ? `\${${ref}}` : JSON.stringify(part);
    })
    .join(join[0]);
}
