// `redis-ha status`: what redis-ha last committed for each cluster (no probing).
import { formatEndpoint } from '../../functions/core/endpoint';
import { loadInventory, openBackendForReading, type GlobalOptions, type Io } from '../context';
import { ExitCode } from '../exit-codes';
import { table } from '../format';

export async function statusCommand(
  flags: { json: boolean },
  options: GlobalOptions,
  io: Io,
): Promise<ExitCode> {
  const inventory = loadInventory(options.inventory);
  const backend = openBackendForReading(options, io);
  try {
    const states = new Map((await backend.state.listClusterStates()).map((s) => [s.cluster, s]));
    const rows = await Promise.all(
      inventory.clusters.map(async (cluster) => {
        const state = states.get(cluster.name);
        const rotation = await backend.state.getRotation(cluster.name);
        return {
          cluster: cluster.name,
          state,
          rotation: rotation ? String(rotation.phase ?? '-') : '-',
        };
      }),
    );
    if (flags.json) {
      io.stdout(
        `${JSON.stringify(
          rows.map((r) => ({ cluster: r.cluster, ...(r.state ?? {}), rotation: r.rotation })),
          null,
          2,
        )}\n`,
      );
    } else {
      io.stdout(
        table(
          ['CLUSTER', 'STATUS', 'MASTER', 'EPOCH', 'REASONS', 'ROTATION', 'UPDATED'],
          rows.map(({ cluster, state, rotation }) => [
            cluster,
            state?.status?.toUpperCase() ?? 'NEVER PROBED',
            state?.master ? formatEndpoint(state.master) : '-',
            String(state?.configEpoch ?? '-'),
            state?.reasonCodes.join(', ') || '-',
            rotation,
            state?.updatedAt ?? '-',
          ]),
        ),
      );
    }
    return ExitCode.ok;
  } finally {
    backend.close();
  }
}
