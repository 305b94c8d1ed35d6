// Inventories pointing at a running topology, shared by the demo (`redis-ha sandbox`), the
// tests and the benchmarks, so that none of them re-spells how a cluster entry is built.
// Holds no password: entries name the parameter where the caller stored it.
import { parseInventory, type Inventory } from '../functions/core/inventory';
import type { Topology } from './topology';

/** What an inventory entry needs of a topology: the loopback one or a namespaced one. */
export type TopologyLike = Pick<Topology, 'sentinelAddresses' | 'masterName' | 'options'>;

/** The parts of a cluster entry that are not read from the topology. */
export interface ClusterEntryOptions {
  readonly name: string;
  readonly passwordParameter: string;
  readonly platformParameters?: Readonly<Record<string, string>>;
  /** Any other inventory field (timeouts, tls, ...), written over the defaults. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

/**
 * One cluster entry (not yet validated) for the sentinels of `topology`, logging in as the
 * topology's ACL user when it has one.
 */
export function clusterEntryFor(
  topology: TopologyLike,
  options: ClusterEntryOptions,
): Record<string, unknown> {
  return {
    name: options.name,
    sentinels: topology.sentinelAddresses,
    masterName: topology.masterName,
    passwordParameter: options.passwordParameter,
    platformParameters: options.platformParameters ?? {},
    ...(topology.options.username ? { username: topology.options.username } : {}),
    ...options.overrides,
  };
}

/** Validates an inventory built in code: a mistake there is a bug, so it throws every error. */
export function inventoryOrThrow(raw: Readonly<Record<string, unknown>>): Inventory {
  const result = parseInventory(JSON.stringify(raw));
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.inventory;
}
