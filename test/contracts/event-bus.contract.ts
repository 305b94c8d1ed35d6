// What every EventBus adapter (local event log, SNS) must do: deliver the CloudEvent as it was
// published, in order; take a repeat of the same id without failing (at least once); and reject
// when the backend refuses, so the caller never marks that event published.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildEvent, EventType, type CloudEvent } from '../../functions/core/events';
import type { EventBus } from '../../functions/core/ports';

export interface EventBusFixture {
  readonly bus: EventBus;
  /** What reached the backend, oldest first. */
  delivered(): Promise<CloudEvent[]>;
  /** Makes the backend refuse every publish from now on. */
  breakBackend(): Promise<void>;
  cleanup(): Promise<void>;
}

const NOW = new Date('2026-11-25T06:00:00.000Z');

export function contractEvent(cluster: string, cause: string): CloudEvent {
  return buildEvent({
    source: 'redis-ha/contract',
    type: EventType.masterChanged,
    cluster,
    cause,
    severity: 'warning',
    time: NOW,
    data: { cluster, previous: '10.0.0.1:6379', current: '10.0.0.2:6379', configEpoch: 3 },
  });
}

export function eventBusContract(name: string, makeBus: () => Promise<EventBusFixture>): void {
  describe(`EventBus contract: ${name}`, () => {
    let fixture: EventBusFixture;
    beforeEach(async () => {
      fixture = await makeBus();
    });
    afterEach(() => fixture.cleanup());

    it('delivers each event as published, in order', async () => {
      const first = contractEvent('orders', 'a');
      const second = buildEvent({
        source: 'redis-ha/contract',
        type: EventType.healthChanged,
        cluster: 'sessions',
        cause: 'b',
        severity: 'critical',
        time: NOW,
        data: { status: 'critical', reasons: [{ code: 'QUORUM_LOST', target: null }] },
      });

      await fixture.bus.publish(first);
      await fixture.bus.publish(second);

      expect(await fixture.delivered()).toEqual([first, second]);
    });

    it('takes a repeat of the same event id without failing (at least once)', async () => {
      const event = contractEvent('orders', 'repeat');

      await fixture.bus.publish(event);
      await fixture.bus.publish(event);

      const delivered = await fixture.delivered();
      expect(delivered.length).toBeGreaterThanOrEqual(1);
      expect(delivered.every((e) => e.id === event.id)).toBe(true);
    });

    it('rejects a publish the backend refuses', async () => {
      await fixture.breakBackend();

      await expect(fixture.bus.publish(contractEvent('orders', 'lost'))).rejects.toThrow();
    });
  });
}
