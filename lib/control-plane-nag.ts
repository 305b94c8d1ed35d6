// cdk-nag AwsSolutions findings the control plane accepts, each with its reason. Exact
// (granular) ids only, so a new finding of the same rule still fails the check.
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/** What carries the accepted findings. */
export interface NagFindingScopes {
  readonly functions: readonly IFunction[];
  /** Roles that invoke a function: the state machine's and the schedules'. */
  readonly invokerRoles: readonly { readonly role: IRole; readonly target: IFunction }[];
  readonly stateMachineRole: IRole;
  readonly deadLetterQueue: IConstruct;
}

const MANAGED = 'arn:<AWS::Partition>:iam::aws:policy/service-role';

/** Records every accepted finding on the construct it is about. */
export function acknowledgeFindings(scopes: NagFindingScopes): void {
  const ack = (scope: IConstruct, id: string, reason: string) =>
    Validations.of(scope).acknowledge({ id, reason });

  for (const fn of scopes.functions) {
    const role = fn.role;
    if (!role) continue;
    ack(
      role,
      `AwsSolutions-IAM4[Policy::${MANAGED}/AWSLambdaBasicExecutionRole]`,
      'AWS-maintained minimum for a Lambda to write its own logs; nothing broader is granted.',
    );
    ack(
      role,
      `AwsSolutions-IAM4[Policy::${MANAGED}/AWSLambdaVPCAccessExecutionRole]`,
      'AWS-maintained ENI permissions a Lambda needs to run in the VPC that reaches the sentinels; EC2 network-interface actions cannot be scoped to resources known at deploy time.',
    );
    for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*'])
      ack(
        role,
        `AwsSolutions-IAM5[Action::${action}]`,
        'CDK grant on the control plane key only (its ARN is the resource): the tables, topic and SecureStrings are encrypted with it; the wildcard covers the action variants, not other keys.',
      );
  }
  for (const { role, target } of scopes.invokerRoles)
    ack(
      role,
      `AwsSolutions-IAM5[Resource::<${logicalId(target)}.Arn>:*]`,
      'CDK grant to invoke this one function, including its versions and aliases (<arn>:*).',
    );
  ack(
    scopes.stateMachineRole,
    'AwsSolutions-IAM5[Resource::*]',
    'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions (tracing of the rotation state machine).',
  );
  ack(
    scopes.deadLetterQueue,
    'AwsSolutions-SQS3',
    'This queue is the dead-letter queue (on-failure destination of the scheduled invocations).',
  );
}

function logicalId(fn: IFunction): string {
  const stack = Stack.of(fn);
  return stack.resolve((fn.node.defaultChild as CfnElement).logicalId) as string;
}
