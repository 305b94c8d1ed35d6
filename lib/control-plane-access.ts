// Least privilege per function: Parameter Store actions only on the parameter ARNs the
// inventory implies (never `parameter/*`), KMS through grants on the one key, table, topic,
// state machine and probe-invoke permissions only where a handler calls them, ElastiCache actions
// only on the inventory's groups and users (lib/elasticache-access.ts).
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { isElastiCache, type Inventory } from '../functions/core/inventory';
import { grantElastiCacheAccess } from './elasticache-access';
import { parameterArn, parameterNames } from './parameter-access';

/** What the grants are about. */
export interface ControlPlaneAccessProps {
  readonly inventory: Inventory;
  readonly probe: IFunction;
  readonly rotation: IFunction;
  readonly api: IFunction;
  readonly key: IKey;
  readonly stateTable: Table;
  readonly idempotencyTable: Table;
  readonly eventTopic: ITopic;
  /** The rotation state machine's ARN, from its literal name (no reference: see the construct). */
  readonly stateMachineArn: string;
}

/** Adds to each function's role exactly what its handler calls. */
export function grantControlPlaneAccess(props: ControlPlaneAccessProps): void {
  const { probe, rotation, api } = props;
  const names = parameterNames(props.inventory);
  const arns = (list: readonly string[]) => list.map((name) => parameterArn(probe, name));
  const read = ['ssm:GetParameter', 'ssm:GetParameters'];
  const everyParameter = [...names.passwords, ...names.inFlightCopies, ...names.platform];

  // probe/watch: reads the current passwords (never the in-flight copies of a rotation) and
  // the platform parameters, rewrites the platform parameters after a confirmed failover.
  probe.addToRolePolicy(
    new PolicyStatement({
      actions: read,
      resources: arns([...names.passwords, ...names.platform]),
    }),
  );
  if (names.platform.length > 0)
    probe.addToRolePolicy(
      new PolicyStatement({ actions: ['ssm:PutParameter'], resources: arns(names.platform) }),
    );

  // rotation: keeps new and old passwords under <name>/pending and <name>/previous (and
  // deletes only those), publishes the new one, rewrites the platform parameters, and (its
  // `schedule` action) starts the rotations that are due.
  rotation.addToRolePolicy(
    new PolicyStatement({
      actions: [...read, 'ssm:PutParameter'],
      resources: arns(everyParameter),
    }),
  );
  rotation.addToRolePolicy(
    new PolicyStatement({
      actions: ['ssm:DeleteParameter'],
      resources: arns(names.inFlightCopies),
    }),
  );
  rotation.addToRolePolicy(
    new PolicyStatement({ actions: ['states:StartExecution'], resources: [props.stateMachineArn] }),
  );

  grantElastiCacheAccess({
    clusters: props.inventory.clusters.filter(isElastiCache),
    probe,
    rotation,
  });

  for (const fn of [probe, rotation]) {
    props.key.grantEncryptDecrypt(fn);
    props.stateTable.grantReadWriteData(fn);
    props.eventTopic.grantPublish(fn);
  }

  // api: reads state, takes a rotation's lock before starting its execution (a conditional
  // put, and a delete when the start fails), runs a probe on demand.
  props.stateTable.grantReadData(api);
  api.addToRolePolicy(
    new PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resources: [props.stateTable.tableArn],
    }),
  );
  props.idempotencyTable.grantReadWriteData(api);
  api.addToRolePolicy(
    new PolicyStatement({ actions: ['states:StartExecution'], resources: [props.stateMachineArn] }),
  );
  api.addToRolePolicy(
    new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [probe.functionArn] }),
  );
}
