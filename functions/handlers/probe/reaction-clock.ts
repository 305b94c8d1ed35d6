// Times a failover as the platforms feel it: from the first `+switch-master` this run hears for
// a cluster to the moment this run has published master.changed AND written the platform
// parameters (reconcile publishes first, then writes). A transition another run acted on is
// not timed here: that run times it.
import { EventType, type CloudEvent } from '../../core/events';
import type { ReconcileReport } from '../../control/reconcile';

interface PendingSwitch {
  readonly atMs: number;
  isPublished: boolean;
}

export class ReactionClock {
  private readonly pending = new Map<string, PendingSwitch>();

  constructor(
    private readonly onReaction: (cluster: string, ms: number) => void,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  onSentinelEvent(cluster: string, channel: string): void {
    if (channel === '+switch-master' && !this.pending.has(cluster))
      this.pending.set(cluster, { atMs: this.nowMs(), isPublished: false });
  }

  onEventPublished(event: CloudEvent): void {
    const pending = this.pending.get(event.subject);
    if (pending && event.type === EventType.masterChanged) pending.isPublished = true;
  }

  onParametersWritten(cluster: string): void {
    const pending = this.pending.get(cluster);
    if (!pending?.isPublished) return;
    this.pending.delete(cluster);
    this.onReaction(cluster, this.nowMs() - pending.atMs);
  }

  /** A reconcile that acted, or left the transition to another run, ends the wait. */
  onReport(report: ReconcileReport): void {
    if (report.isConflict || report.parametersWritten.length > 0)
      this.pending.delete(report.cluster);
  }
}
