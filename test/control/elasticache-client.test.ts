// One error for a runtime without an ElastiCache client, whether it probes or rotates.
import { afterAll, describe, expect, it } from 'vitest';
import { elastiCacheApiOf } from '../../functions/control/elasticache-client';
import { reconcileElastiCache } from '../../functions/control/elasticache-reconcile';
import { InventorySchema, type ElastiCacheCluster } from '../../functions/core/inventory';
import { controlDepsFor, Harness } from '../support/topology';

const harness = new Harness();
afterAll(() => harness.cleanup());

const cluster = InventorySchema.parse({
  clusters: [
    {
      name: 'orders',
      kind: 'elasticache',
      replicationGroupId: 'orders',
      region: 'eu-west-1',
      passwordParameter: '/orders/token',
    },
  ],
}).clusters[0] as ElastiCacheCluster;

describe('elastiCacheApiOf', () => {
  it('asks the factory for the API of the cluster Region', () => {
    const regions: string[] = [];
    const api = elastiCacheApiOf(cluster, {
      elasticache: (region) => {
        regions.push(region);
        return {} as ReturnType<typeof elastiCacheApiOf>;
      },
    });

    expect(api).toEqual({});
    expect(regions).toEqual(['eu-west-1']);
  });

  it('names the cluster and the missing client, with the same code for a probe', async () => {
    // The local wiring has a client: take it away, as a runtime without one.
    const deps = { ...controlDepsFor(harness.backend()), elasticache: undefined };
    const expected = {
      code: 'ELASTICACHE_NOT_WIRED',
      message:
        'orders: no ElastiCache API client is configured in this deployment (ControlDeps.elasticache)',
    };

    expect(() => elastiCacheApiOf(cluster, {})).toThrow(expect.objectContaining(expected));
    await expect(reconcileElastiCache(cluster, deps)).rejects.toMatchObject(expected);
  });
});
