// What every benchmark starts from: a real topology on loopback, a local backend in a temp
// folder holding the password, an inventory for it, and the control plane wired to both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLogger } from '../functions/adapters/local/json-logger';
import { openLocalBackend, type LocalBackend } from '../functions/adapters/local/local-backend';
import type { Inventory, SentinelCluster } from '../functions/core/inventory';
import type { ReconcileHooks } from '../functions/control/reconcile';
import type { RotationDeps } from '../functions/control/rotation-runner';
import { localControlDeps, localRotationDeps } from '../functions/wiring/local';
import { clusterEntryFor, inventoryOrThrow } from '../sandbox/inventory';
import { Topology, type TopologyOptions } from '../sandbox/topology';

export const BENCH_PASSWORD = 'bench-password-not-secret';
export const PASSWORD_PARAMETER = '/bench/password';

export interface BenchFixture {
  readonly topology: Topology;
  readonly backend: LocalBackend;
  readonly inventory: Inventory;
  /** The first cluster of the inventory. */
  readonly cluster: SentinelCluster;
  readonly deps: RotationDeps;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** Inventory entries, all pointing at the one topology (distinct names). */
  readonly clusters?: number;
  /** Platform parameters of cluster i. */
  readonly platformParameters?: (index: number) => Record<string, string>;
  readonly topology?: Partial<TopologyOptions>;
  readonly hooks?: ReconcileHooks;
}

export async function benchFixture(options: FixtureOptions = {}): Promise<BenchFixture> {
  const topology = await Topology.start({
    password: BENCH_PASSWORD,
    masterName: 'bench',
    ...options.topology,
  });
  const dir = mkdtempSync(join(tmpdir(), 'redis-ha-bench-'));
  const backend = openLocalBackend(dir);
  const close = async () => {
    backend.close();
    await topology.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await backend.parameters.put(PASSWORD_PARAMETER, BENCH_PASSWORD, { isSecure: true });
    const inventory = inventoryOrThrow({
      clusters: Array.from({ length: options.clusters ?? 1 }, (_, i) =>
        clusterEntryFor(topology, {
          name: `bench-${String(i).padStart(4, '0')}`,
          passwordParameter: PASSWORD_PARAMETER,
          platformParameters: options.platformParameters?.(i) ?? {},
        }),
      ),
    });
    const deps: RotationDeps = localRotationDeps(
      localControlDeps(backend, {
        logger: new JsonLogger(() => undefined, 'silent'),
        source: 'urn:redis-ha:bench',
        ...(options.hooks ? { hooks: options.hooks } : {}),
      }),
    );
    const cluster = inventory.clusters[0] as SentinelCluster;
    return { topology, backend, inventory, cluster, deps, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Waits until the next failover measures redis-ha rather than Sentinel's own confusion: every
 * replica (the master demoted last round too, which Sentinel converts only after ~8 s) follows
 * the current master with its link up, and no sentinel event came for 3 s (`lastEventAt`:
 * `performance.now()` of the last one). Failing over sooner makes Sentinel promote a node it is
 * still converting, which then answers ROLE as a replica and is rightly not confirmed.
 */
export async function settleBeforeFailover(
  topology: Topology,
  lastEventAt: () => number,
): Promise<void> {
  await topology.waitForSentinels();
  await topology.waitFor(
    async () => {
      const port = await topology.currentMasterPort();
      if (!port) return false;
      for (const node of topology.nodes) {
        if (node.port === port) continue;
        const role = (await topology.call(node.port, 'node', 'ROLE').catch(() => [])) as unknown[];
        if (role[0] !== 'slave' || Number(role[2]) !== port || role[3] !== 'connected')
          return false;
      }
      return true;
    },
    'every replica to follow the master',
    60_000,
  );
  await topology.waitFor(
    async () => performance.now() - lastEventAt() > 3000,
    'quiet sentinels',
    60_000,
  );
}
