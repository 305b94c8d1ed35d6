// The inventory's JSON Schema (inventory.schema.json, `redis-ha schema`), generated from the
// one zod schema that validates inventories, so that editors and the validator never disagree.
import { z } from 'zod';
import { InventorySchema } from './inventory';

/** The JSON Schema editors use to check an inventory (generated from the zod schema). */
export function inventoryJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://redis-ha.dev/inventory.schema.json',
    title: 'redis-ha inventory',
    ...z.toJSONSchema(InventorySchema, { io: 'input', unrepresentable: 'any' }),
  };
}
