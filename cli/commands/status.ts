// `redis-ha status`: what redis-ha last committed for each cluster (no probing). Locally: every
// inventory cluster. With --backend aws: every cluster the state table holds, plus the
// inventory's (if there is one) that were never probed.
import { formatEndpoint } from '../../functions/core/endpoint';
import type { ClusterState } from '../../functions/core/cluster-state';
import type { StateStore } from '../../functions/core/ports';
import { inventoryIfAny, openAwsTable } from '../backend';
import { loadInventory, openBackendForReading, type GlobalOptions, type Io } from '../context';
import { ExitCode } from '../exit-codes';
import { table } from '../format';

interface StatusRow {
  readonly cluster: string;
  readonly state: ClusterState | undefined;
  readonly rotation: string;
}

export async function statusCommand(
  flags: { json: boolean },
  options: GlobalOptions,
  io: Io,
): Promise<ExitCode> {
  if (options.backend === 'aws') return awsStatus(flags, options, io);
  const inventory = loadInventory(options.inventory);
  const backend = openBackendForReading(options, io);
  try {
    const rows = await statusRows(
      backend.state,
      inventory.clusters.map((c) => c.name),
      false,
    );
    print(rows, flags, io);
    return ExitCode.ok;
  } finally {
    backend.close();
  }
}

async function awsStatus(flags: { json: boolean }, options: GlobalOptions, io: Io) {
  const inventory = inventoryIfAny(options);
  const { state, where } = await openAwsTable('status', options);
  const rows = await statusRows(state, inventory?.clusters.map((c) => c.name) ?? [], true);
  if (rows.length === 0)
    io.stderr(
      `redis-ha: no cluster state in ${where} yet (the probe function writes it at every run; give the inventory with -i to list clusters not probed yet)\n`,
    );
  print(rows, flags, io);
  return ExitCode.ok;
}

/** One row per named cluster, in order; with `withStored`, then every other stored cluster. */
async function statusRows(
  store: StateStore,
  names: readonly string[],
  withStored: boolean,
): Promise<StatusRow[]> {
  const states = new Map((await store.listClusterStates()).map((s) => [s.cluster, s]));
  const stored = withStored ? [...states.keys()].filter((n) => !names.includes(n)).sort() : [];
  return Promise.all(
    [...names, ...stored].map(async (cluster) => {
      const rotation = await store.getRotation(cluster);
      return {
        cluster,
        state: states.get(cluster),
        rotation: rotation ? String(rotation.phase ?? '-') : '-',
      };
    }),
  );
}

function print(rows: readonly StatusRow[], flags: { json: boolean }, io: Io): void {
  if (flags.json) {
    io.stdout(
      `${JSON.stringify(
        rows.map((r) => ({ cluster: r.cluster, ...(r.state ?? {}), rotation: r.rotation })),
        null,
        2,
      )}\n`,
    );
    return;
  }
  io.stdout(
    table(
      ['CLUSTER', 'STATUS', 'MASTER', 'EPOCH', 'REASONS', 'ROTATION', 'UPDATED'],
      rows.map(({ cluster, state, rotation }) => [
        cluster,
        state?.status?.toUpperCase() ?? 'NEVER PROBED',
        masterOf(state),
        // ElastiCache groups have no config epoch.
        state?.shards ? '-' : String(state?.configEpoch ?? '-'),
        state?.reasonCodes.join(', ') || '-',
        rotation,
        state?.updatedAt ?? '-',
      ]),
    ),
  );
}

/** The master; for ElastiCache each shard's primary node (`0002=carts-0002-001`). */
function masterOf(state: ClusterState | undefined): string {
  const shards = Object.entries(state?.shards ?? {});
  if (shards.length === 1 && shards[0]?.[1].cacheClusterId)
    return [shards[0][1].cacheClusterId, shards[0][1].endpoint].filter(Boolean).join(' ');
  if (shards.length > 1)
    return shards.map(([id, p]) => `${id}=${p.cacheClusterId ?? p.endpoint ?? '?'}`).join(' ');
  return state?.master ? formatEndpoint(state.master) : '-';
}
