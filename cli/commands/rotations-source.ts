// Which clusters `redis-ha rotations` lists, and the state store it reads them from: locally the
// inventory's (or those named) and the local store; with --backend aws the deployment's table,
// where the inventory is optional.
import type { StateStore } from '../../functions/core/ports';
import { inventoryIfAny, openAwsTable } from '../backend';
import {
  loadInventory,
  openBackendForReading,
  selectClusters,
  type GlobalOptions,
  type Io,
} from '../context';
import { CliError, ExitCode } from '../exit-codes';

export interface RotationsSource {
  readonly clusters: readonly string[];
  readonly state: StateStore;
  close(): void;
}

export async function openRotations(
  names: readonly string[],
  options: GlobalOptions,
  io: Io,
): Promise<RotationsSource> {
  if (options.backend === 'aws') return openAwsRotations(names, options);
  const clusters = selectClusters(loadInventory(options.inventory), names).map((c) => c.name);
  const backend = openBackendForReading(options, io);
  return { clusters, state: backend.state, close: () => backend.close() };
}

/**
 * The clusters named, else those of the inventory (if any) and every cluster the table holds a
 * state for. A named cluster nobody knows (not in the inventory, no state, never rotated) is an
 * error, as locally.
 */
async function openAwsRotations(
  names: readonly string[],
  options: GlobalOptions,
): Promise<RotationsSource> {
  const inventory = inventoryIfAny(options);
  const { state, where } = await openAwsTable('rotations', options);
  const inInventory = inventory?.clusters.map((c) => c.name) ?? [];
  const stored = (await state.listClusterStates()).map((s) => s.cluster);
  const known = [...new Set([...inInventory, ...stored.sort()])];
  if (names.length === 0) return { clusters: known, state, close: () => {} };
  const unknown: string[] = [];
  for (const name of names) {
    if (!known.includes(name) && !(await state.getRotation(name))) unknown.push(name);
  }
  if (unknown.length > 0)
    throw new CliError(
      ExitCode.dataError,
      `unknown cluster ${unknown.map((n) => `"${n}"`).join(', ')}: not in the inventory and nothing in ${where} about it; known: ${known.join(', ') || '(none)'}`,
    );
  return { clusters: names, state, close: () => {} };
}
