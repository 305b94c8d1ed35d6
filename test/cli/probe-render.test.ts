// The `probe` table for people: each reason code once per cluster row, one detail line per
// target under it.
import { describe, expect, it } from 'vitest';
import { renderReports } from '../../cli/commands/probe';
import type { ReconcileReport } from '../../functions/control/reconcile';
import type { Reason } from '../../functions/core/verdict';

const masterDown = (port: number): Reason => ({
  code: 'MASTER_DOWN',
  severity: 'critical',
  target: `10.0.1.1:${port}`,
  message: `sentinel 10.0.1.1:${port} sees the master objectively down`,
});

const report: ReconcileReport = {
  cluster: 'sessions',
  verdict: {
    status: 'critical',
    reasons: [
      masterDown(26379),
      masterDown(26380),
      masterDown(26381),
      {
        code: 'MASTER_UNREACHABLE',
        severity: 'critical',
        target: '10.0.0.1:6379',
        message: 'master 10.0.0.1:6379 did not answer: connection refused',
      },
    ],
    master: { host: '10.0.0.1', port: 6379 },
    isConfirmed: false,
    configEpoch: 0,
    votes: [],
    sentinelsConfigured: 3,
    sentinelsAnswering: 3,
  },
  events: [],
  parametersWritten: [],
  isConflict: false,
  durationMs: 1.5,
};

describe('probe text output', () => {
  it('lists each reason code once in the row and every message below it', () => {
    const text = renderReports([report]);
    const [, row, , ...details] = text.split('\n');

    expect(row?.split(/\s{2,}/).at(-1)).toBe('MASTER_DOWN, MASTER_UNREACHABLE');
    expect(details.filter((line) => line.includes('MASTER_DOWN'))).toHaveLength(3);
    expect(text).toContain('master 10.0.0.1:6379 did not answer: connection refused');
  });
});

const elastiCacheReport = (
  shards: NonNullable<ReconcileReport['verdict']['shards']>,
  master: { host: string; port: number },
): ReconcileReport => ({
  cluster: 'orders',
  verdict: {
    status: 'ok',
    reasons: [],
    master,
    isConfirmed: shards.every((s) => s.isConfirmed),
    configEpoch: 0,
    votes: [],
    sentinelsConfigured: 0,
    sentinelsAnswering: 0,
    shards,
  },
  events: [],
  parametersWritten: [],
  isConflict: false,
  durationMs: 2,
});

describe('probe text output for ElastiCache', () => {
  it('shows the primary node and its endpoint, and no sentinel count', () => {
    const node = { host: 'orders-001.abc.euw1.cache.amazonaws.com', port: 6379 };
    const text = renderReports([
      elastiCacheReport(
        [{ nodeGroupId: '0001', cacheClusterId: 'orders-001', endpoint: node, isConfirmed: true }],
        node,
      ),
    ]);
    const row = text.split('\n')[1]?.split(/\s{2,}/);

    expect(row?.slice(0, 4)).toEqual(['orders', 'OK', `orders-001 ${node.host}:6379`, '-']);
  });

  it('shows the shard count in the row and one line per shard primary, unconfirmed ones marked', () => {
    const config = { host: 'carts.xyz.clustercfg.euw1.cache.amazonaws.com', port: 6379 };
    const text = renderReports([
      elastiCacheReport(
        [
          {
            nodeGroupId: '0001',
            cacheClusterId: null,
            endpoint: { host: '10.0.0.1', port: 6379 },
            isConfirmed: true,
          },
          { nodeGroupId: '0002', cacheClusterId: null, endpoint: null, isConfirmed: false },
          {
            nodeGroupId: '0003',
            cacheClusterId: 'carts-0003-002',
            endpoint: { host: '10.0.0.3', port: 6379 },
            isConfirmed: true,
          },
        ],
        config,
      ),
    ]);

    expect(text.split('\n')[1]).toContain(`3 shards via ${config.host}:6379 (unconfirmed)`);
    expect(text).toContain('  orders: shard 0001 primary 10.0.0.1:6379\n');
    expect(text).toContain('  orders: shard 0002 primary unknown (unconfirmed)\n');
    expect(text).toContain('  orders: shard 0003 primary carts-0003-002 10.0.0.3:6379');
  });
});
