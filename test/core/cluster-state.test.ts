import { describe, expect, it } from 'vitest';
import { planTransition, type ClusterState } from '../../functions/core/cluster-state';
import type { Verdict } from '../../functions/core/verdict';

const NOW = new Date('2026-11-23T10:00:00Z');
const M1 = { host: '10.0.0.1', port: 6379 };
const M2 = { host: '10.0.0.2', port: 6379 };

const verdict = (overrides: Partial<Verdict> = {}): Verdict => ({
  status: 'ok',
  reasons: [],
  master: M1,
  isConfirmed: true,
  configEpoch: 1,
  votes: [{ master: '10.0.0.1:6379', sentinels: ['s1', 's2', 's3'] }],
  sentinelsConfigured: 3,
  sentinelsAnswering: 3,
  ...overrides,
});
const plan = (previous: ClusterState | undefined, v: Verdict) =>
  planTransition({
    cluster: 'sessions',
    masterName: 'mymaster',
    source: 'urn:test',
    now: NOW,
    previous,
    verdict: v,
  });

describe('planTransition', () => {
  it('records the first confirmed master without alerting anyone', () => {
    const transition = plan(undefined, verdict());

    expect(transition.events).toEqual([]);
    expect(transition.next).toMatchObject({ master: M1, status: 'ok', revision: 1 });
  });

  it('publishes master.changed once when a confirmed master differs', () => {
    const first = plan(undefined, verdict()).next;
    const changed = plan(
      first,
      verdict({
        master: M2,
        configEpoch: 2,
        votes: [{ master: '10.0.0.2:6379', sentinels: ['s1', 's2'] }],
      }),
    );

    expect(changed.isMasterChanged).toBe(true);
    expect(changed.events.map((e) => e.type)).toEqual(['redis-ha.master.changed']);
    expect(changed.events[0]).toMatchObject({
      specversion: '1.0',
      subject: 'sessions',
      data: {
        previous: '10.0.0.1:6379',
        current: '10.0.0.2:6379',
        configEpoch: 2,
        sentinels: ['s1', 's2'],
      },
    });
    expect(plan(changed.next, verdict({ master: M2, configEpoch: 2 })).events).toEqual([]);
  });

  it('derives the same event id when the same change is planned again after a crash', () => {
    const first = plan(undefined, verdict()).next;
    const v = verdict({ master: M2, configEpoch: 2 });

    expect(plan(first, v).events[0]?.id).toBe(plan(first, v).events[0]?.id);
    expect(plan(first, v).events[0]?.id).not.toBe(
      plan(first, verdict({ master: M2, configEpoch: 3 })).events[0]?.id,
    );
  });

  it('leaves the master alone when it is not confirmed', () => {
    const first = plan(undefined, verdict()).next;
    const unconfirmed = plan(
      first,
      verdict({
        master: M2,
        isConfirmed: false,
        status: 'critical',
        reasons: [{ code: 'NO_MAJORITY', severity: 'critical', message: 'x' }],
      }),
    );

    expect(unconfirmed.isMasterChanged).toBe(false);
    expect(unconfirmed.next.master).toEqual(M1);
    expect(unconfirmed.events.map((e) => e.type)).toEqual(['redis-ha.health.changed']);
  });

  it('alerts on health transitions only, and again when the health comes back', () => {
    const degraded = verdict({
      status: 'degraded',
      reasons: [{ code: 'REPLICA_DOWN', severity: 'degraded', target: 'r', message: 'x' }],
    });
    const s1 = plan(undefined, verdict()).next;
    const t2 = plan(s1, degraded);
    const t3 = plan(t2.next, degraded);
    const t4 = plan(t3.next, verdict());

    expect(t2.events.map((e) => [e.type, e.data.status, e.severity])).toEqual([
      ['redis-ha.health.changed', 'degraded', 'warning'],
    ]);
    expect(t3.events).toEqual([]);
    expect(t3.isChanged).toBe(false);
    expect(t4.events.map((e) => [e.data.previous, e.data.status])).toEqual([['degraded', 'ok']]);
  });

  it('gives a repeated transition a new id, so subscribers do not drop it as a duplicate', () => {
    const degraded = verdict({
      status: 'degraded',
      reasons: [{ code: 'REPLICA_DOWN', severity: 'degraded', message: 'x' }],
    });
    const a = plan(plan(undefined, verdict()).next, degraded);
    const b = plan(plan(a.next, verdict()).next, degraded);

    expect(a.events[0]?.id).not.toBe(b.events[0]?.id);
  });

  it('does not announce the passing split while a failover is in progress', () => {
    const failingOver = verdict({
      status: 'critical',
      isConfirmed: false,
      reasons: [
        { code: 'FAILOVER_IN_PROGRESS', severity: 'degraded', message: 'x' },
        { code: 'SENTINELS_DISAGREE', severity: 'critical', message: 'x' },
      ],
      votes: [
        { master: '10.0.0.1:6379', sentinels: ['s1', 's2'] },
        { master: '10.0.0.2:6379', sentinels: ['s3'] },
      ],
    });

    const transition = plan(plan(undefined, verdict()).next, failingOver);

    expect(transition.events.map((e) => e.type)).toEqual(['redis-ha.health.changed']);
    expect(transition.next.disagreement).toBeNull();
  });

  it('announces a disagreement between sentinels once', () => {
    const split = verdict({
      status: 'degraded',
      reasons: [{ code: 'SENTINELS_DISAGREE', severity: 'degraded', message: 'x' }],
      votes: [
        { master: '10.0.0.1:6379', sentinels: ['s1', 's2'] },
        { master: '10.0.0.2:6379', sentinels: ['s3'] },
      ],
    });
    const first = plan(plan(undefined, verdict()).next, split);

    expect(first.events.map((e) => e.type)).toEqual([
      'redis-ha.health.changed',
      'redis-ha.sentinels.disagree',
    ]);
    expect(plan(first.next, split).events).toEqual([]);
  });
});
