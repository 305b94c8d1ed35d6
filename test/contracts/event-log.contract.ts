// What every EventLog adapter (the local SQLite log, the DynamoDB state table) must do: read back
// what was appended, newest last, the newest `limit` of them, filtered by cluster and type; and
// keep one entry per event id however often it is appended (its first version, counted).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildEvent, EventType, type CloudEvent } from '../../functions/core/events';
import type { EventLog } from '../../functions/core/ports';

export interface EventLogFixture {
  readonly log: EventLog;
  cleanup(): Promise<void>;
}

/** The time the contract's events happen around; fixtures reading "now" use it too. */
export const CONTRACT_NOW = new Date('2026-11-25T06:00:00.000Z');

function event(
  cluster: string,
  cause: string,
  minute: number,
  type: EventType = EventType.masterChanged,
) {
  return buildEvent({
    source: 'redis-ha/contract',
    type,
    cluster,
    cause,
    severity: 'warning',
    time: new Date(CONTRACT_NOW.getTime() - (60 - minute) * 60_000),
    data: { cluster, previous: '10.0.0.1:6379', current: '10.0.0.2:6379', configEpoch: minute },
  });
}

export function eventLogContract(name: string, makeLog: () => Promise<EventLogFixture>): void {
  describe(`EventLog contract: ${name}`, () => {
    let fixture: EventLogFixture;
    beforeEach(async () => {
      fixture = await makeLog();
    });
    afterEach(() => fixture.cleanup());

    const appendAll = async (events: readonly CloudEvent[]) => {
      for (const e of events) await fixture.log.append(e);
    };

    it('reads nothing from an empty log', async () => {
      expect(await fixture.log.read({ limit: 10 })).toEqual([]);
    });

    it('reads back every event as appended, newest last, each delivered once', async () => {
      const events = [event('orders', 'a', 1), event('sessions', 'b', 2), event('orders', 'c', 3)];
      await appendAll(events);

      const read = await fixture.log.read({ limit: 10 });

      expect(read).toEqual(events.map((e) => ({ event: e, deliveries: 1 })));
    });

    it('reads the newest `limit` events, still newest last', async () => {
      const events = [1, 2, 3, 4, 5].map((m) => event('orders', `n${m}`, m));
      await appendAll(events);

      const read = await fixture.log.read({ limit: 2 });

      expect(read.map((r) => r.event)).toEqual(events.slice(3));
    });

    it("reads only one cluster's events, and only one type's", async () => {
      const mine = event('orders', 'a', 1);
      const health = event('orders', 'h', 2, EventType.healthChanged);
      await appendAll([mine, event('sessions', 'b', 2), health, event('sessions', 'c', 4)]);

      const orders = await fixture.log.read({ limit: 10, cluster: 'orders' });
      const healthOnly = await fixture.log.read({ limit: 10, type: EventType.healthChanged });
      const both = await fixture.log.read({
        limit: 10,
        cluster: 'sessions',
        type: EventType.healthChanged,
      });

      expect(orders.map((r) => r.event)).toEqual([mine, health]);
      expect(healthOnly.map((r) => r.event)).toEqual([health]);
      expect(both).toEqual([]);
    });

    it('applies `limit` after the filter', async () => {
      const events = [1, 2, 3, 4, 5, 6].map((m) => event(m % 2 ? 'odd' : 'even', `f${m}`, m));
      await appendAll(events);

      const read = await fixture.log.read({ limit: 2, cluster: 'odd' });

      expect(read.map((r) => r.event.data.configEpoch)).toEqual([3, 5]);
    });

    it('keeps one entry per event id, its first version, and counts each append', async () => {
      const first = event('orders', 'repeat', 1);
      // The same cause rebuilt later (a retry after a crash): same id, another time.
      const rebuilt = { ...event('orders', 'repeat', 7), id: first.id };
      await appendAll([first, event('orders', 'other', 2), first, rebuilt]);

      const read = await fixture.log.read({ limit: 10 });

      expect(read.filter((r) => r.event.id === first.id)).toEqual([
        { event: first, deliveries: 3 },
      ]);
      expect(read).toHaveLength(2);
    });

    it('takes concurrent appends of the same id as one entry', async () => {
      const same = event('orders', 'race', 1);

      await Promise.all([fixture.log.append(same), fixture.log.append(same)]);

      expect(await fixture.log.read({ limit: 10 })).toEqual([{ event: same, deliveries: 2 }]);
    });
  });
}
