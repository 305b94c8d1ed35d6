// What a rotation leaves behind as it goes: the record (a conditional write on the expected
// phase), the journal (the audit trail) and its events. Nothing here ever sees a password.
import { buildEvent, EventType } from '../core/events';
import type { Cluster } from '../core/inventory';
import type { JournalEntry } from '../core/ports';
import type { RotationPhase, RotationRecord } from '../core/rotation';
import type { ControlDeps } from './reconcile';

export class RotationTrail {
  constructor(
    private readonly cluster: Cluster,
    private readonly deps: ControlDeps,
    /** Who runs this part of the rotation, for the journal; the record's actor when absent. */
    private readonly actor?: string,
  ) {}

  now(): string {
    return this.deps.clock.now().toISOString();
  }

  /**
   * Writes `record` if the stored one is still in `expectedPhase` (null: a new rotation); a
   * StateConflictError otherwise (another run moved it).
   */
  async save(record: RotationRecord, expectedPhase: RotationPhase | null): Promise<RotationRecord> {
    const saved = { ...record, updatedAt: this.now() };
    await this.deps.state.putRotation(saved, expectedPhase);
    return saved;
  }

  async journal(
    record: RotationRecord,
    step: string,
    outcome: JournalEntry['outcome'],
    detail: string,
  ): Promise<void> {
    await this.deps.state.appendJournal({
      rotationId: record.rotationId,
      cluster: this.cluster.name,
      at: this.now(),
      step,
      outcome,
      actor: this.actor ?? record.actor,
      detail,
    });
  }

  async publish(
    record: RotationRecord,
    type: EventType,
    data: Record<string, unknown>,
  ): Promise<void> {
    const event = buildEvent({
      source: this.deps.source,
      type,
      cluster: this.cluster.name,
      cause: record.rotationId,
      severity:
        type === EventType.rotationRolledBack || type === EventType.rotationFailed
          ? 'warning'
          : 'info',
      time: this.deps.clock.now(),
      data: {
        cluster: this.cluster.name,
        rotationId: record.rotationId,
        actor: record.actor,
        ...data,
      },
    });
    await this.deps.events.publish(event);
    this.deps.hooks?.onEventPublished?.(event);
  }
}
