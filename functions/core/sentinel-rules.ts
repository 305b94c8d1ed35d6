// Verdict rules about what each answering sentinel says: the master name it does not monitor,
// CKQUORUM, and its record of the master (failover, down flags, missing peers). Pure: no I/O.
import { sameEndpoint } from './endpoint';
import type { SentinelView } from './observation';
import { ReasonCode, type Reason } from './reason';
import type { VerdictPolicy } from './verdict';

/** MASTER_UNKNOWN once for the cluster when nobody monitors the name, else per sentinel. */
export function unknownNameReasons(
  policy: VerdictPolicy,
  answering: readonly { endpoint: string; view: SentinelView }[],
  monitoringCount: number,
): Reason[] {
  const name = policy.masterName ? `"${policy.masterName}"` : 'this master name';
  const monitored = (views: readonly SentinelView[]) => {
    const names = [...new Set(views.flatMap((v) => v.monitoredMasters ?? []))].sort();
    return names.length > 0 ? names.map((n) => `"${n}"`).join(', ') : 'no master';
  };
  const strangers = answering.filter(({ view }) => !view.masterAddress);
  if (strangers.length === 0) return [];
  if (monitoringCount === 0)
    return [
      {
        code: ReasonCode.masterUnknown,
        severity: 'critical',
        message: `no sentinel monitors ${name}; they monitor ${monitored(strangers.map((s) => s.view))}`,
      },
    ];
  return strangers.map(({ endpoint, view }) => ({
    code: ReasonCode.masterUnknown,
    severity: 'degraded',
    target: endpoint,
    message: `sentinel ${endpoint} does not monitor ${name}; it monitors ${monitored([view])}`,
  }));
}

/**
 * A failover needs a majority of the configured sentinels to authorise it: below that the
 * cluster has lost its quorum (critical); a minority failing CKQUORUM is degraded, named.
 * Sentinels that did not answer count as not passing.
 */
export function quorumReasons(
  policy: VerdictPolicy,
  majority: number,
  asked: readonly { endpoint: string; view: SentinelView }[],
): Reason[] {
  const failing = asked.filter(({ view }) => view.quorumError);
  const passing = asked.length - failing.length;
  if (passing < majority) {
    const why = failing.map(({ endpoint, view }) => `${endpoint}: ${view.quorumError}`);
    return [
      {
        code: ReasonCode.quorumLost,
        severity: 'critical',
        message: `${passing} of ${policy.sentinelsConfigured} configured sentinels pass CKQUORUM, ${majority} needed: no failover could be authorised${why.length > 0 ? ` (${why.join('; ')})` : ''}`,
      },
    ];
  }
  return failing.map(({ endpoint, view }) => ({
    code: ReasonCode.sentinelNoQuorum,
    severity: 'degraded',
    target: endpoint,
    message: `sentinel ${endpoint} fails CKQUORUM (${view.quorumError ?? ''}); the other ${passing} still pass it`,
  }));
}

/** What one sentinel's record of the master says: failover, down flags, missing peers. */
export function masterRecordReasons(
  policy: VerdictPolicy,
  endpoint: string,
  view: SentinelView,
): Reason[] {
  const reasons: Reason[] = [];
  if (view.masterFlags.includes('failover_in_progress')) {
    reasons.push({
      code: ReasonCode.failoverInProgress,
      severity: 'degraded',
      target: endpoint,
      message: `sentinel ${endpoint} reports a failover in progress`,
    });
  }
  const isAboutNamedMaster =
    !view.recordAddress || sameEndpoint(view.recordAddress, view.masterAddress);
  if (
    isAboutNamedMaster &&
    (view.masterFlags.includes('o_down') || view.masterFlags.includes('s_down'))
  ) {
    const objective = view.masterFlags.includes('o_down');
    reasons.push({
      code: ReasonCode.masterDown,
      severity: objective ? 'critical' : 'degraded',
      target: endpoint,
      message: `sentinel ${endpoint} sees the master ${objective ? 'objectively' : 'subjectively'} down`,
    });
  }
  if (view.numOtherSentinels + 1 < policy.sentinelsConfigured) {
    reasons.push({
      code: ReasonCode.sentinelsMissing,
      severity: 'degraded',
      target: endpoint,
      message: `sentinel ${endpoint} knows ${view.numOtherSentinels + 1} sentinels, ${policy.sentinelsConfigured} configured`,
    });
  }
  return reasons;
}
