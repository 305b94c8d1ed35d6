// The probe function's metric names and EMF settings are the ones the alarms in lib/ watch
// (lib/control-plane-metrics.ts, imported as is), and what each probe report adds to them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ReconcileReport } from '../../functions/control/reconcile';
import type { Reason } from '../../functions/core/reason';
import { ProbeMetric, recordProbe } from '../../functions/handlers/probe/probe-metrics';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../functions/handlers/shared/metrics';

const LIB_METRICS = 'lib/control-plane-metrics.ts';

interface LibMetrics {
  METRICS_NAMESPACE: string;
  SERVICE_NAME: string;
  ControlPlaneMetric: Record<string, string>;
}

/**
 * The lib module as the CDK app loads it. Until the infrastructure branch (h-infra) is merged,
 * this worktree has no lib/control-plane-metrics.ts: the test then imports that branch's file.
 */
async function libMetrics(): Promise<LibMetrics> {
  const local = resolve(LIB_METRICS);
  if (existsSync(local)) return (await import(pathToFileURL(local).href)) as LibMetrics;
  const dir = resolve('scratch', 'h-infra');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'control-plane-metrics.ts');
  writeFileSync(
    file,
    execFileSync('git', ['show', `h-infra:${LIB_METRICS}`], { encoding: 'utf8' }),
  );
  return (await import(pathToFileURL(file).href)) as LibMetrics;
}

function report(
  status: ReconcileReport['verdict']['status'],
  reasons: Reason[] = [],
  events: string[] = [],
) {
  return {
    cluster: 'c',
    verdict: { status, reasons, isConfirmed: true },
    events: events.map((type) => ({ type })),
    parametersWritten: [],
    isConflict: false,
    durationMs: 12.4,
  } as unknown as ReconcileReport;
}

function recorded(r: ReconcileReport) {
  const out: [string, number][] = [];
  recordProbe(
    {
      count: (name, value = 1) => out.push([name, value]),
      milliseconds: (name, value) => out.push([name, value]),
    },
    r,
  );
  return out;
}

describe('probe metrics', () => {
  it('use the names, namespace and service the alarms in lib/ are defined on', async () => {
    const lib = await libMetrics();
    expect(METRICS_NAMESPACE).toBe(lib.METRICS_NAMESPACE);
    expect(SERVICE_NAME).toBe(lib.SERVICE_NAME);
    expect(ProbeMetric.probeRuns).toBe(lib.ControlPlaneMetric.probeRuns);
    expect(ProbeMetric.criticalVerdicts).toBe(lib.ControlPlaneMetric.criticalVerdicts);
    expect(ProbeMetric.splitBrain).toBe(lib.ControlPlaneMetric.splitBrain);
    // Every name lib/ alarms on that a probe emits is one of ours.
    const probeNames = Object.entries(lib.ControlPlaneMetric)
      .filter(([key]) => key !== 'rotationsFailed')
      .map(([, name]) => name);
    expect(Object.values(ProbeMetric)).toEqual(expect.arrayContaining(probeNames));
  });

  const splitBrain: Reason = { code: 'SPLIT_BRAIN', severity: 'critical', message: 'm' };
  const disagree = (severity: 'degraded' | 'critical'): Reason => ({
    code: 'SENTINELS_DISAGREE',
    severity,
    message: 'm',
  });
  it.each([
    ['a healthy probe: its duration only', report('ok'), [['ProbeDuration', 12]]],
    [
      'a critical verdict',
      report('critical', [{ code: 'QUORUM_LOST', severity: 'critical', message: 'm' }]),
      [
        ['ProbeDuration', 12],
        ['CriticalVerdicts', 1],
      ],
    ],
    [
      'a node answering master beside the confirmed one',
      report('critical', [splitBrain]),
      [
        ['ProbeDuration', 12],
        ['CriticalVerdicts', 1],
        ['SplitBrain', 1],
      ],
    ],
    [
      'sentinels naming different masters with no majority',
      report('critical', [disagree('critical')]),
      [
        ['ProbeDuration', 12],
        ['CriticalVerdicts', 1],
        ['SplitBrain', 1],
      ],
    ],
    [
      'sentinels disagreeing while a majority names one master (not split)',
      report('degraded', [disagree('degraded')]),
      [['ProbeDuration', 12]],
    ],
    [
      'a master.changed published',
      report('ok', [], ['redis-ha.master.changed', 'redis-ha.health.changed']),
      [
        ['ProbeDuration', 12],
        ['Failovers', 1],
      ],
    ],
  ])('records %s', (_what, r, expected) => {
    expect(recorded(r).map(([n, v]) => [n, Math.floor(v)])).toEqual(expected);
  });
});
