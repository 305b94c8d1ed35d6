// What the functions find in their environment: resource names and ARNs, Powertools settings,
// and the validated inventory, inline when it fits in Lambda's 4 KB of environment, otherwise
// as a file in a layer (with the clusters' TLS CA files, which a Lambda cannot read elsewhere).
import { mkdirSync, mkdtempSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Architecture,
  Code,
  LayerVersion,
  Runtime,
  type ILayerVersion,
} from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { LAYER_INVENTORY_FILE, type ControlPlaneInventory } from './control-plane-inventory';

/** Environment variables the functions read (functions/wiring/aws.ts spells the same). */
export const FunctionEnv = {
  /** DynamoDB table of state, event claims, rotation records, locks and journal (all). */
  stateTable: 'STATE_TABLE_NAME',
  /** DynamoDB table of Powertools Idempotency (api). */
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  /** SNS topic of redis-ha events (all). */
  eventTopic: 'EVENT_TOPIC_ARN',
  /** KMS key (ARN) for the SecureString parameters the functions write (all). */
  kmsKey: 'KMS_KEY_ID',
  /** The rotation state machine (api; rotation, for its `schedule` action). */
  stateMachine: 'STATE_MACHINE_ARN',
  /** The probe function, invoked synchronously by `POST /clusters/{name}/probe` (api). */
  probeFunction: 'PROBE_FUNCTION_NAME',
  /** The validated inventory as JSON, when it fits in the environment (all). */
  inventory: 'REDIS_HA_INVENTORY',
  /** Otherwise the path of the validated inventory's JSON file, in the inventory layer (all). */
  inventoryFile: 'REDIS_HA_INVENTORY_FILE',
} as const;

/**
 * The inventory travels inline in REDIS_HA_INVENTORY up to this many bytes of JSON. Lambda
 * allows 4 KB for all variables together, and the others (ARNs, names) take about 1 KB.
 */
export const INLINE_INVENTORY_MAX_BYTES = 2048;

/** How the inventory reaches the functions. */
export interface InventoryDelivery {
  /** REDIS_HA_INVENTORY, or REDIS_HA_INVENTORY_FILE. */
  readonly environment: Readonly<Record<string, string>>;
  /** The inventory layer, when the inventory is not inline. */
  readonly layers: readonly ILayerVersion[];
}

/**
 * Inline JSON when it fits and no cluster names a TLS CA file; otherwise a layer holding
 * `/opt/redis-ha/inventory.json` and `/opt/redis-ha/ca/<cluster>.pem`. A layer, not an SSM
 * parameter: no size limit (SSM standard tier stops at 4 KB), no API call or IAM grant at init,
 * and it changes with the deployment that validated it.
 */
export function inventoryDelivery(
  scope: Construct,
  inventory: ControlPlaneInventory,
): InventoryDelivery {
  const json = inventory.toLambdaJson();
  if (Buffer.byteLength(json) <= INLINE_INVENTORY_MAX_BYTES && inventory.caFiles.size === 0)
    return { environment: { [FunctionEnv.inventory]: json }, layers: [] };

  // Staged by content hash into cdk.out like any asset; the temporary directory is its source.
  const dir = mkdtempSync(join(tmpdir(), 'redis-ha-inventory-'));
  const root = join(dir, 'redis-ha');
  mkdirSync(join(root, 'ca'), { recursive: true });
  writeFileSync(join(root, 'inventory.json'), json);
  for (const [cluster, path] of inventory.caFiles)
    copyFileSync(path, join(root, 'ca', `${cluster}.pem`));
  const layer = new LayerVersion(scope, 'InventoryLayer', {
    description: 'redis-ha: the validated inventory and its TLS CA files',
    code: Code.fromAsset(dir),
    compatibleArchitectures: [Architecture.ARM_64],
    compatibleRuntimes: [Runtime.NODEJS_24_X],
  });
  return { environment: { [FunctionEnv.inventoryFile]: LAYER_INVENTORY_FILE }, layers: [layer] };
}
