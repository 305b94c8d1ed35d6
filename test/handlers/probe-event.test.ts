// The probe function's small pure parts: reading its events, timing a failover's reaction,
// the deadline signal and the secret fence of the logger adapter.
import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../functions/core/events';
import type { ReconcileReport } from '../../functions/control/reconcile';
import { parseProbeEvent } from '../../functions/handlers/probe/probe-event';
import { ReactionClock } from '../../functions/handlers/probe/reaction-clock';
import { signalBeforeDeadline } from '../../functions/handlers/shared/deadline';
import { maskSecrets } from '../../functions/handlers/shared/powertools-logger';

describe('probe events', () => {
  it.each([
    [{}, { kind: 'tick' }],
    [
      { kind: 'tick', scheduledTime: '2026-11-25T06:00:00Z', executionId: 'e-1' },
      { kind: 'tick', scheduledTime: '2026-11-25T06:00:00Z', executionId: 'e-1' },
    ],
    [{ 'detail-type': 'Scheduled Event', id: 'x' }, { kind: 'tick' }],
    [{ clusters: ['a', 'b', 'a'] }, { kind: 'request', clusters: ['a', 'b'] }],
  ])('reads %j', (event, expected) => {
    expect(parseProbeEvent(event)).toEqual(expected);
  });

  it.each([
    [null, /expected an object .* got null/],
    ['tick', /expected an object .* got string/],
    [[], /got an array/],
    [{ clusters: [] }, /probe event: clusters: expected at least one cluster name/],
    [{ clusters: 'a' }, /probe event: clusters: /],
    [{ clusters: ['a', ''] }, /probe event: clusters\[1\]: expected a cluster name/],
    [{ clusters: ['a', 3] }, /probe event: clusters\[1\]: /],
  ])('refuses %j, naming what is wrong', (event, message) => {
    expect(() => parseProbeEvent(event)).toThrow(message);
  });
});

describe('reaction clock', () => {
  const changed = (cluster: string) =>
    ({ type: 'redis-ha.master.changed', subject: cluster }) as CloudEvent;
  const report = (cluster: string, fields: Partial<ReconcileReport>) =>
    ({ cluster, isConflict: false, parametersWritten: [], ...fields }) as ReconcileReport;

  it('times from the first +switch-master to the parameters written after this run published', () => {
    let now = 1000;
    const timed: [string, number][] = [];
    const clock = new ReactionClock(
      (cluster, ms) => timed.push([cluster, ms]),
      () => now,
    );
    clock.onSentinelEvent('a', '+odown');
    clock.onSentinelEvent('a', '+switch-master');
    now = 1100;
    clock.onSentinelEvent('a', '+switch-master'); // a second sentinel announcing it
    now = 1150;
    clock.onEventPublished(changed('a'));
    now = 1180;
    clock.onParametersWritten('a');
    clock.onParametersWritten('a');
    expect(timed).toEqual([['a', 180]]);
  });

  it('times nothing for a transition another run published, and forgets its switch', () => {
    let now = 0;
    const timed: number[] = [];
    const clock = new ReactionClock(
      (_c, ms) => timed.push(ms),
      () => now,
    );
    clock.onSentinelEvent('a', '+switch-master');
    clock.onParametersWritten('a'); // written, but master.changed was another run's
    clock.onReport(report('a', { isConflict: true }));
    now = 5000;
    clock.onSentinelEvent('a', '+switch-master'); // the next failover starts a new clock
    now = 5040;
    clock.onEventPublished(changed('a'));
    clock.onParametersWritten('a');
    expect(timed).toEqual([40]);
  });
});

describe('deadline signal', () => {
  it('aborts at once when the margin is already past, and with its parent', () => {
    const past = signalBeforeDeadline(1000, 5000);
    expect(past.signal.aborted).toBe(false); // the timer fires on the next turn
    const parent = new AbortController();
    const child = signalBeforeDeadline(60_000, 5000, parent.signal);
    parent.abort();
    expect(child.signal.aborted).toBe(true);
    past.dispose();
    child.dispose();
  });

  it('fires the margin before the deadline with a TimeoutError reason', async () => {
    const { signal, dispose } = signalBeforeDeadline(30, 10);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
    dispose();
  });
});

describe('logger secret fence', () => {
  it('masks fields whose names say they hold a secret', () => {
    expect(
      maskSecrets({ cluster: 'a', password: 'p', sentinelPassword: 'q', authToken: 't', n: 1 }),
    ).toEqual({ cluster: 'a', password: '***', sentinelPassword: '***', authToken: '***', n: 1 });
  });
});
