import { describe, expect, it } from 'vitest';
import { NO_HYSTERESIS, type AlertHysteresis } from '../../functions/core/alert-hysteresis';
import { planTransition, type ClusterState } from '../../functions/core/cluster-state';
import type { ReasonCode, Verdict } from '../../functions/core/verdict';

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
const plan = (
  previous: ClusterState | undefined,
  v: Verdict,
  hysteresis: AlertHysteresis = NO_HYSTERESIS,
  now = NOW,
) =>
  planTransition({
    cluster: 'sessions',
    masterName: 'mymaster',
    source: 'urn:test',
    now,
    previous,
    verdict: v,
    hysteresis,
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

describe('revisions', () => {
  const degraded = verdict({
    status: 'degraded',
    reasons: [{ code: 'REPLICA_DOWN', severity: 'degraded', message: 'x' }],
  });
  const start = plan(undefined, verdict()).next;

  it.each([
    ['the first probe', undefined, verdict(), 1],
    ['a master change', start, verdict({ master: M2, configEpoch: 2 }), start.revision + 1],
    ['a health change', start, degraded, start.revision + 1],
    // Committed only when the parameters digest changed: still a new revision, so two runs that
    // read the same one cannot both commit it.
    ['nothing but the digest', start, verdict(), start.revision + 1],
  ] as const)(
    'plans the next revision above the one read, for %s',
    (_label, previous, v, revision) => {
      expect(plan(previous, v).next.revision).toBe(revision);
    },
  );

  it('plans the same next revision for two runs that read the same state', () => {
    const a = plan(start, verdict({ master: M2, configEpoch: 2 }));
    const b = plan(start, verdict({ master: M2, configEpoch: 2 }));

    expect(a.next.revision).toBe(b.next.revision);
    expect(a.events.map((e) => e.id)).toEqual(b.events.map((e) => e.id));
  });
});

describe('master.changed ids', () => {
  const toM2 = verdict({ master: M2, configEpoch: 1 });
  const toM1 = verdict({ master: M1, configEpoch: 2 });

  it('gives the same failover pair and epoch a new id once a committed revision lies between them', () => {
    const start = plan(undefined, verdict()).next;
    const first = plan(start, toM2);
    const back = plan(first.next, toM1);
    // The sentinels are rebuilt: epochs restart, and the same failover happens again.
    const again = plan(back.next, toM2);

    expect(first.events[0]?.type).toBe('redis-ha.master.changed');
    expect(again.events[0]?.type).toBe('redis-ha.master.changed');
    expect(again.events[0]?.data).toEqual(first.events[0]?.data);
    expect(again.events[0]?.id).not.toBe(first.events[0]?.id);
  });

  it('repeats the id of a failover retried before its state was committed', () => {
    const start = plan(undefined, verdict()).next;
    const crashed = plan(start, toM2);
    const retried = plan(JSON.parse(JSON.stringify(start)) as ClusterState, toM2);

    expect(retried.events.map((e) => e.id)).toEqual(crashed.events.map((e) => e.id));
    expect(retried.next.revision).toBe(crashed.next.revision);
  });
});

describe('alert hysteresis', () => {
  const reason = (code: string, severity: 'degraded' | 'critical' = 'degraded') => ({
    code: code as ReasonCode,
    severity,
    target: '10.0.0.9:6379',
    message: 'x',
  });
  const ok = verdict();
  const replicaDown = verdict({ status: 'degraded', reasons: [reason('REPLICA_DOWN')] });
  const sentinelDown = verdict({ status: 'degraded', reasons: [reason('SENTINEL_UNREACHABLE')] });
  const masterDown = verdict({
    status: 'critical',
    isConfirmed: false,
    reasons: [reason('MASTER_DOWN', 'critical')],
  });
  const failedOver = verdict({
    status: 'degraded',
    master: M2,
    configEpoch: 2,
    reasons: [reason('REPLICA_DOWN')],
    votes: [{ master: '10.0.0.2:6379', sentinels: ['s1', 's2', 's3'] }],
  });
  const splitBrain = verdict({ status: 'critical', reasons: [reason('SPLIT_BRAIN', 'critical')] });
  const twoProbes = { probes: 2, seconds: 0 };

  interface Case {
    readonly name: string;
    readonly hysteresis: AlertHysteresis;
    /** Verdicts after a first healthy probe, each with its seconds after that probe. */
    readonly probes: readonly (readonly [Verdict, number])[];
    /** Health statuses published at each of those probes (null: none). */
    readonly published: readonly (string | null)[];
    readonly finalStatus: string;
  }

  const cases: Case[] = [
    {
      name: 'a flap ok -> degraded -> ok inside the hold window publishes nothing',
      hysteresis: twoProbes,
      probes: [
        [replicaDown, 10],
        [ok, 20],
        [replicaDown, 30],
        [ok, 40],
      ],
      published: [null, null, null, null],
      finalStatus: 'ok',
    },
    {
      name: 'a degradation that holds for two probes is published once',
      hysteresis: twoProbes,
      probes: [
        [replicaDown, 10],
        [replicaDown, 20],
        [replicaDown, 30],
      ],
      published: [null, 'degraded', null],
      finalStatus: 'degraded',
    },
    {
      name: 'an unwell cluster whose reasons shift is still published, with the latest reasons',
      hysteresis: twoProbes,
      probes: [
        [replicaDown, 10],
        [sentinelDown, 20],
      ],
      published: [null, 'degraded'],
      finalStatus: 'degraded',
    },
    {
      name: 'a recovery waits as long as a degradation',
      hysteresis: twoProbes,
      probes: [
        [replicaDown, 10],
        [replicaDown, 20],
        [ok, 30],
        [replicaDown, 40],
        [ok, 50],
        [ok, 60],
      ],
      published: [null, 'degraded', null, null, null, 'ok'],
      finalStatus: 'ok',
    },
    {
      name: 'a critical master down without a failover waits like any health change',
      hysteresis: twoProbes,
      probes: [
        [masterDown, 10],
        [masterDown, 20],
      ],
      published: [null, 'critical'],
      finalStatus: 'critical',
    },
    {
      name: 'a confirmed master change is published at once, with its health',
      hysteresis: { probes: 5, seconds: 600 },
      probes: [[failedOver, 10]],
      published: ['degraded'],
      finalStatus: 'degraded',
    },
    {
      name: 'a split brain is published at once',
      hysteresis: { probes: 5, seconds: 600 },
      probes: [[splitBrain, 10]],
      published: ['critical'],
      finalStatus: 'critical',
    },
    {
      name: 'a time floor holds a change until it has lasted that long',
      hysteresis: { probes: 1, seconds: 30 },
      probes: [
        [replicaDown, 10],
        [replicaDown, 25],
        [replicaDown, 40],
      ],
      published: [null, null, 'degraded'],
      finalStatus: 'degraded',
    },
    {
      name: 'one probe publishes at once without hysteresis',
      hysteresis: NO_HYSTERESIS,
      probes: [
        [replicaDown, 10],
        [ok, 20],
      ],
      published: ['degraded', 'ok'],
      finalStatus: 'ok',
    },
  ];

  it.each(cases)('$name', ({ hysteresis, probes, published, finalStatus }) => {
    let state = plan(undefined, ok, hysteresis).next;
    const seen: (string | null)[] = [];
    for (const [v, seconds] of probes) {
      const transition = plan(state, v, hysteresis, new Date(NOW.getTime() + seconds * 1000));
      const health = transition.events.filter((e) => e.type === 'redis-ha.health.changed');
      expect(health.length).toBeLessThanOrEqual(1);
      seen.push(health[0] ? String(health[0].data.status) : null);
      // Through JSON, as the store keeps it: the pending health must survive the round trip.
      state = JSON.parse(JSON.stringify(transition.next)) as ClusterState;
    }

    expect(seen).toEqual(published);
    expect(state.status).toBe(finalStatus);
  });

  it('keeps the published status while a change is pending, and remembers the pending one', () => {
    const start = plan(undefined, ok, twoProbes).next;
    const held = plan(start, replicaDown, twoProbes);

    expect(held.events).toEqual([]);
    expect(held.isChanged).toBe(true);
    expect(held.next).toMatchObject({
      status: 'ok',
      reasonCodes: [],
      pendingHealth: {
        status: 'degraded',
        reasonCodes: ['REPLICA_DOWN'],
        probes: 1,
        since: NOW.toISOString(),
      },
    });
    expect(plan(held.next, ok, twoProbes).next.pendingHealth).toBeNull();
  });

  it('repeats the id of a held change retried before its state was committed', () => {
    const held = plan(plan(undefined, ok, twoProbes).next, replicaDown, twoProbes).next;

    const crashed = plan(held, replicaDown, twoProbes);
    const retried = plan(held, replicaDown, twoProbes);

    expect(crashed.events).toHaveLength(1);
    expect(retried.events.map((e) => e.id)).toEqual(crashed.events.map((e) => e.id));
  });

  it('reads a state stored before pending health existed', () => {
    const old = JSON.parse(
      JSON.stringify({ ...plan(undefined, ok, twoProbes).next, pendingHealth: undefined }),
    ) as ClusterState;

    expect(old).not.toHaveProperty('pendingHealth');
    const first = plan(old, replicaDown, twoProbes);
    const second = plan(first.next, replicaDown, twoProbes);

    expect(first.events).toEqual([]);
    expect(second.events.map((e) => e.data.status)).toEqual(['degraded']);
  });
});
