// The control plane's DynamoDB tables: one for state (cluster state with revisions, event
// claims, rotation records, locks, journal), one for Powertools Idempotency of the API.
// Both on demand, point-in-time recovery on, encrypted with the control plane's key.
import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * Key schema and TTL of the state table, as functions/adapters/aws/dynamodb-state-table.ts
 * (branch h-aws) defines them; lib/ cannot import it, so test/infra holds them equal once merged.
 */
export const STATE_TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds, for clean-up only: DynamoDB deletes expired items within days. */
  timeToLive: 'expiresAtSeconds',
} as const;

/** Key schema and TTL Powertools Idempotency's DynamoDBPersistenceLayer expects by default. */
export const IDEMPOTENCY_TABLE_KEYS = { partitionKey: 'id', timeToLive: 'expiration' } as const;

export interface ControlPlaneTablesProps {
  readonly encryptionKey: IKey;
  readonly removalPolicy: RemovalPolicy;
}

export class ControlPlaneTables extends Construct {
  readonly stateTable: Table;
  readonly idempotencyTable: Table;

  constructor(scope: Construct, id: string, props: ControlPlaneTablesProps) {
    super(scope, id);
    const common = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy,
    };
    this.stateTable = new Table(this, 'State', {
      ...common,
      partitionKey: { name: STATE_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: STATE_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: STATE_TABLE_KEYS.timeToLive,
    });
    this.idempotencyTable = new Table(this, 'Idempotency', {
      ...common,
      partitionKey: { name: IDEMPOTENCY_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      timeToLiveAttribute: IDEMPOTENCY_TABLE_KEYS.timeToLive,
    });
  }
}
