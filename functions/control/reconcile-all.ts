// "Probe every cluster": reconciles each cluster of an inventory, a few at a time, as a
// scheduled run and `redis-ha probe` do. One cluster's failure is its own outcome, never thrown,
// so it cannot keep the others from being probed; an abort stops starting new ones.
import { randomUUID } from 'node:crypto';
import type { Cluster } from '../core/inventory';
import {
  ReconcileAbortedError,
  reconcileCluster,
  type ControlDeps,
  type ReconcileReport,
} from './reconcile';

/** Clusters probed at once by default; each holds up to (sentinels + 1) connections while it runs. */
export const DEFAULT_PROBE_CONCURRENCY = 32;

/** What became of one cluster. */
export type ClusterOutcome =
  | { readonly cluster: string; readonly kind: 'reconciled'; readonly report: ReconcileReport }
  /** The reconcile threw (a store or bus failure): logged, and reported here. */
  | { readonly cluster: string; readonly kind: 'failed'; readonly error: unknown }
  /** The signal ended the run before this cluster was acted on: nothing was done for it. */
  | { readonly cluster: string; readonly kind: 'aborted' };

export interface ReconcileAllOptions {
  /** Clusters in flight at once (default DEFAULT_PROBE_CONCURRENCY). */
  readonly concurrency?: number;
  /** Stops the probes in flight (nothing acted on for them) and starts no new one. */
  readonly signal?: AbortSignal;
  /** Report only: publish nothing, write nothing, commit nothing. */
  readonly isReadOnly?: boolean;
  /** This run's id; each cluster's event claims use `<runId>:<cluster>`. Default: a UUID. */
  readonly runId?: string;
}

/** Reconciles `clusters`; the outcomes keep their order. */
export async function reconcileAll(
  clusters: readonly Cluster[],
  deps: ControlDeps,
  options: ReconcileAllOptions = {},
): Promise<ClusterOutcome[]> {
  const runId = options.runId ?? randomUUID();
  const concurrency = options.concurrency ?? DEFAULT_PROBE_CONCURRENCY;
  const { signal } = options;
  return mapWithLimit(clusters, concurrency, async (cluster): Promise<ClusterOutcome> => {
    try {
      const report = await reconcileCluster(cluster, deps, {
        runId: `${runId}:${cluster.name}`,
        ...(options.isReadOnly ? { isReadOnly: true } : {}),
        ...(signal ? { signal } : {}),
      });
      return { cluster: cluster.name, kind: 'reconciled', report };
    } catch (error) {
      if (error instanceof ReconcileAbortedError) return { cluster: cluster.name, kind: 'aborted' };
      deps.logger.error('reconcile failed', {
        cluster: cluster.name,
        runId,
        error: error instanceof Error ? error.message : String(error),
      });
      return { cluster: cluster.name, kind: 'failed', error };
    }
  });
}

/** Runs `work` over `items` with at most `limit` in flight, keeping input order in the result. */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}
