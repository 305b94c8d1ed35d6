// The names of the environment variables the AWS runtime reads, apart from the wiring itself so
// that the CLI can name them (in flags' defaults and errors) without loading any AWS SDK client.

/**
 * Environment variables the functions read; the CDK construct sets them (lib/
 * redis-ha-control-plane.ts `FunctionEnv`, held equal by a test).
 */
export const AwsEnv = {
  stateTable: 'STATE_TABLE_NAME',
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  eventTopic: 'EVENT_TOPIC_ARN',
  kmsKey: 'KMS_KEY_ID',
  stateMachine: 'STATE_MACHINE_ARN',
  probeFunction: 'PROBE_FUNCTION_NAME',
  inventory: 'REDIS_HA_INVENTORY',
  inventoryFile: 'REDIS_HA_INVENTORY_FILE',
} as const;
