// `redis-ha probe [cluster...]`: probe now, act on transitions (events, parameters, state),
// print a table or JSON, and exit with the worst verdict (0 ok, 1 degraded, 2 critical).
import { resolve } from 'node:path';
import { formatEndpoint } from '../../functions/core/endpoint';
import { ReasonCode, worstStatus, type Status, type Verdict } from '../../functions/core/verdict';
import type { ReconcileReport } from '../../functions/control/reconcile';
import { reconcileAll } from '../../functions/control/reconcile-all';
import {
  controlDeps,
  loadInventory,
  openBackend,
  openBackendForReading,
  probeConcurrency,
  selectClusters,
  type GlobalOptions,
  type Io,
} from '../context';
import { ExitCode } from '../exit-codes';
import { table } from '../format';

export function exitCodeFor(status: Status): ExitCode {
  return status === 'ok'
    ? ExitCode.ok
    : status === 'degraded'
      ? ExitCode.degraded
      : ExitCode.critical;
}

export async function probeCommand(
  names: readonly string[],
  flags: { json: boolean; readOnly: boolean },
  options: GlobalOptions,
  io: Io,
): Promise<ExitCode> {
  const concurrency = probeConcurrency(io.env);
  const clusters = selectClusters(loadInventory(options.inventory), names);
  const backend = flags.readOnly ? openBackendForReading(options, io) : openBackend(options);
  try {
    const deps = controlDeps(backend, options, io);
    const outcomes = await reconcileAll(clusters, deps, {
      concurrency,
      isReadOnly: flags.readOnly,
    });
    // A store or bus failure is the command's failure (its own exit code), as before; the
    // other clusters were still probed and acted on.
    const failed = outcomes.find((o) => o.kind === 'failed');
    if (failed) throw failed.error;
    const reports = outcomes
      .flatMap((o) => (o.kind === 'reconciled' ? [o.report] : []))
      .map((report) => withStorePath(report, resolve(options.store)));
    io.stdout(
      flags.json ? `${JSON.stringify(reports.map(toJson), null, 2)}\n` : renderReports(reports),
    );
    return exitCodeFor(worstStatus(reports.map((r) => r.verdict.status)));
  } finally {
    backend.close();
  }
}

/** A missing password is most often a mistyped --store: say which store was read. */
function withStorePath(report: ReconcileReport, store: string): ReconcileReport {
  if (!report.verdict.reasons.some((r) => r.code === ReasonCode.passwordMissing)) return report;
  const reasons = report.verdict.reasons.map((r) =>
    r.code === ReasonCode.passwordMissing
      ? { ...r, message: `${r.message} (store read: ${store})` }
      : r,
  );
  return { ...report, verdict: { ...report.verdict, reasons } };
}

function toJson(report: ReconcileReport) {
  const { verdict } = report;
  return {
    cluster: report.cluster,
    status: verdict.status,
    master: verdict.master ? formatEndpoint(verdict.master) : null,
    isConfirmed: verdict.isConfirmed,
    configEpoch: verdict.configEpoch,
    // ElastiCache: no sentinels; each shard's primary instead.
    sentinels: verdict.shards
      ? null
      : { configured: verdict.sentinelsConfigured, answering: verdict.sentinelsAnswering },
    ...(verdict.shards
      ? {
          shards: verdict.shards.map((s) => ({
            nodeGroupId: s.nodeGroupId,
            cacheClusterId: s.cacheClusterId,
            endpoint: s.endpoint ? formatEndpoint(s.endpoint) : null,
            isConfirmed: s.isConfirmed,
          })),
        }
      : {}),
    votes: verdict.votes,
    reasons: verdict.reasons,
    events: report.events.map((e) => ({ id: e.id, type: e.type })),
    parametersWritten: report.parametersWritten,
    // Another run (a watch, an overlapping probe) acts on this transition: it was left to it.
    isConflict: report.isConflict,
    durationMs: Math.round(report.durationMs * 10) / 10,
  };
}

export function renderReports(reports: readonly ReconcileReport[]): string {
  const rows = reports.map(({ cluster, verdict, durationMs }) => [
    cluster,
    verdict.status.toUpperCase(),
    masterColumn(verdict),
    // ElastiCache groups have no sentinels.
    verdict.shards ? '-' : `${verdict.sentinelsAnswering}/${verdict.sentinelsConfigured}`,
    `${durationMs.toFixed(1)}ms`,
    // One code per kind; the details below keep one line per sentinel or node.
    [...new Set(verdict.reasons.map((r) => r.code))].join(', ') || '-',
  ]);
  const details = reports
    .flatMap((r) => [
      ...shardLines(r),
      ...r.verdict.reasons.map(
        (reason) => `  ${r.cluster}: ${reason.code} (${reason.severity}) ${reason.message}`,
      ),
    ])
    .join('\n');
  return (
    table(['CLUSTER', 'STATUS', 'MASTER', 'SENTINELS', 'TIME', 'REASONS'], rows) +
    (details ? `\n${details}\n` : '')
  );
}

/**
 * Sentinel: the master. ElastiCache, cluster mode disabled: the primary node and its endpoint;
 * enabled: the shard count and the configuration endpoint (each shard on its own line below).
 */
function masterColumn(verdict: Verdict): string {
  const unconfirmed = verdict.isConfirmed ? '' : ' (unconfirmed)';
  const [only, ...others] = verdict.shards ?? [];
  if (only && others.length > 0)
    return `${verdict.shards?.length} shards via ${verdict.master ? formatEndpoint(verdict.master) : '-'}${unconfirmed}`;
  if (only?.cacheClusterId)
    return (
      `${only.cacheClusterId} ${only.endpoint ? formatEndpoint(only.endpoint) : ''}`.trim() +
      unconfirmed
    );
  return verdict.master ? `${formatEndpoint(verdict.master)}${unconfirmed}` : '-';
}

/** ElastiCache with several shards: one line per shard's primary. */
function shardLines({ cluster, verdict }: ReconcileReport): string[] {
  const shards = verdict.shards ?? [];
  if (shards.length < 2) return [];
  return shards.map(
    (s) =>
      `  ${cluster}: shard ${s.nodeGroupId} primary ${[s.cacheClusterId, s.endpoint ? formatEndpoint(s.endpoint) : null].filter(Boolean).join(' ') || 'unknown'}${s.isConfirmed ? '' : ' (unconfirmed)'}`,
  );
}
