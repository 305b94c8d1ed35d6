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
