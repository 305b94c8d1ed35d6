import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../functions/core/endpoint';
import type {
  NodeAnswer,
  Observation,
  SentinelAnswer,
  SentinelReplica,
  SentinelView,
} from '../../functions/core/observation';
import { SENTINEL_CONVERT_GRACE_MS } from '../../functions/core/data-node-rules';
import {
  chooseCandidate,
  decideVerdict,
  type ReasonCode,
  type Status,
} from '../../functions/core/verdict';

const M = { host: '10.0.0.1', port: 6379 };
const R1 = { host: '10.0.0.2', port: 6379 };
const R2 = { host: '10.0.0.3', port: 6379 };
const S = [1, 2, 3].map((i) => ({ host: `10.0.1.${i}`, port: 26379 }));

function view(overrides: Partial<SentinelView> = {}): SentinelView {
  return {
    ok: true,
    masterAddress: M,
    masterFlags: ['master'],
    recordAddress: overrides.masterAddress === undefined ? M : overrides.masterAddress,
    configEpoch: 3,
    numOtherSentinels: 2,
    quorum: 2,
    quorumError: null,
    replicas: [
      { endpoint: R1, flags: ['slave'], masterLinkStatus: 'ok' },
      { endpoint: R2, flags: ['slave'], masterLinkStatus: 'ok' },
    ],
    ...overrides,
  };
}
const down: SentinelAnswer = { ok: false, failure: 'unreachable', detail: 'connect ECONNREFUSED' };
const authFailed: SentinelAnswer = { ok: false, failure: 'auth-failed', detail: 'WRONGPASS' };
const master = (overrides: Partial<Extract<NodeAnswer, { ok: true }>> = {}): NodeAnswer => ({
  ok: true,
  role: 'master',
  offset: 1000,
  replicas: [
    { endpoint: R1, offset: 1000 },
    { endpoint: R2, offset: 990 },
  ],
  ...overrides,
});

function observe(
  answers: SentinelAnswer[],
  masterAnswer: NodeAnswer | null = master(),
  extra: Pick<Observation, 'nodes' | 'missingPasswords'> = {},
): Observation {
  const sentinels = answers.map((answer, i) => ({ endpoint: S[i] as Endpoint, answer }));
  const candidate = chooseCandidate({ sentinels });
  return { sentinels, candidate, master: candidate ? masterAnswer : null, ...extra };
}
const replicaOf = (of: Endpoint): NodeAnswer => ({
  ok: true,
  role: 'slave',
  offset: 1000,
  replicas: [],
  masterEndpoint: of,
  linkState: 'connected',
});
const timedOut: SentinelAnswer = {
  ok: false,
  failure: 'timeout',
  detail: 'timed out after 500 ms',
};
const noQuorum = { quorumError: 'NOQUORUM 1 usable Sentinels. Not enough available Sentinels' };

// After a failover to R1: the sentinels list the old master M among R1's replicas.
const oldMaster = (overrides: Partial<SentinelReplica> = {}): SentinelReplica => ({
  endpoint: M,
  flags: ['slave'],
  masterLinkStatus: 'err',
  roleReported: 'master',
  roleReportedMs: 5_000,
  runId: 'a1b2c3',
  ...overrides,
});
/** A record the switch created a moment ago: no link yet, no INFO reply yet. */
const freshOldMaster = oldMaster({
  flags: ['slave', 'disconnected'],
  roleReported: 'slave',
  roleReportedMs: 12,
  runId: '',
});
const afterFailover = (record: SentinelReplica, overrides: Partial<SentinelView> = {}) =>
  view({
    masterAddress: R1,
    configEpoch: 4,
    replicas: [record, { endpoint: R2, flags: ['slave'], masterLinkStatus: 'ok' }],
    ...overrides,
  });
/** R1 confirmed, M still answering ROLE master. */
const oldMasterAnswering = (answers: SentinelAnswer[]) =>
  observe(answers, master({ replicas: [{ endpoint: R2, offset: 1000 }] }), {
    nodes: [{ endpoint: M, answer: master({ replicas: [] }) }],
  });

const policy = { sentinelsConfigured: 3, maxReplicationLagBytes: 100, masterName: 'mymaster' };

interface Case {
  readonly name: string;
  readonly observation: Observation;
  readonly status: Status;
  readonly isConfirmed: boolean;
  readonly codes: readonly ReasonCode[];
}

const cases: Case[] = [
  {
    name: 'all sentinels agree and the master answers as master',
    observation: observe([view(), view(), view()]),
    status: 'ok',
    isConfirmed: true,
    codes: [],
  },
  {
    name: 'one sentinel is unreachable',
    observation: observe([view(), view(), down]),
    status: 'degraded',
    isConfirmed: true,
    codes: ['SENTINEL_UNREACHABLE'],
  },
  {
    name: 'a sentinel refuses our credentials',
    observation: observe([view(), view(), authFailed]),
    status: 'degraded',
    isConfirmed: true,
    codes: ['AUTH_FAILED'],
  },
  {
    name: 'two of three sentinels are down and the last one reports no quorum',
    observation: observe([view({ quorumError: 'NOQUORUM 1 usable Sentinels' }), down, down]),
    status: 'critical',
    isConfirmed: false,
    codes: ['SENTINEL_UNREACHABLE', 'NO_MAJORITY', 'QUORUM_LOST'],
  },
  {
    name: 'one sentinel names another master but a majority agrees',
    observation: observe([view(), view(), view({ masterAddress: R1 })]),
    status: 'degraded',
    isConfirmed: true,
    codes: ['SENTINELS_DISAGREE'],
  },
  {
    name: 'every sentinel names a different master',
    observation: observe([view(), view({ masterAddress: R1 }), view({ masterAddress: R2 })]),
    status: 'critical',
    isConfirmed: false,
    codes: ['SENTINELS_DISAGREE', 'NO_MAJORITY'],
  },
  {
    name: 'the master does not answer',
    observation: observe([view(), view(), view()], {
      ok: false,
      failure: 'timeout',
      detail: 'timed out',
    }),
    status: 'critical',
    isConfirmed: false,
    codes: ['MASTER_UNREACHABLE'],
  },
  {
    name: 'the master refuses the data password',
    observation: observe([view(), view(), view()], {
      ok: false,
      failure: 'auth-failed',
      detail: 'WRONGPASS',
    }),
    status: 'critical',
    isConfirmed: false,
    codes: ['AUTH_FAILED'],
  },
  {
    name: 'the named master answers ROLE as a replica',
    observation: observe([view(), view(), view()], {
      ok: true,
      role: 'slave',
      offset: 5,
      replicas: [],
      masterEndpoint: R1,
      linkState: 'connected',
    }),
    status: 'critical',
    isConfirmed: false,
    codes: ['MASTER_NOT_MASTER'],
  },
  {
    name: 'a failover is in progress',
    observation: observe(
      [view({ masterFlags: ['master', 'o_down', 'failover_in_progress'] }), view(), view()],
      { ok: false, failure: 'unreachable', detail: 'refused' },
    ),
    status: 'critical',
    isConfirmed: false,
    codes: ['FAILOVER_IN_PROGRESS', 'MASTER_DOWN', 'MASTER_UNREACHABLE'],
  },
  {
    name: 'the failover leader already names the promoted replica while its record of the old master is still o_down',
    observation: observe(
      [
        view({
          masterAddress: R1,
          recordAddress: M,
          masterFlags: ['master', 'o_down', 'failover_in_progress'],
        }),
        view({ masterAddress: R1 }),
        view({ masterAddress: R1 }),
      ],
      master({ replicas: [{ endpoint: R2, offset: 1000 }] }),
    ),
    // The sentinels still list R1 among the replicas: the new master is not a down replica.
    status: 'degraded',
    isConfirmed: true,
    codes: ['FAILOVER_IN_PROGRESS'],
  },
  {
    name: 'a replica is not attached to the master',
    observation: observe(
      [view(), view(), view()],
      master({ replicas: [{ endpoint: R1, offset: 1000 }] }),
    ),
    status: 'degraded',
    isConfirmed: true,
    codes: ['REPLICA_DOWN'],
  },
  {
    name: 'a replica trails the master by more than the threshold',
    observation: observe(
      [view(), view(), view()],
      master({
        replicas: [
          { endpoint: R1, offset: 1000 },
          { endpoint: R2, offset: 500 },
        ],
      }),
    ),
    status: 'degraded',
    isConfirmed: true,
    codes: ['REPLICATION_LAG'],
  },
  {
    name: 'the sentinels know fewer sentinels than configured',
    observation: observe([
      view({ numOtherSentinels: 0 }),
      view({ numOtherSentinels: 0 }),
      view({ numOtherSentinels: 0 }),
    ]),
    status: 'degraded',
    isConfirmed: true,
    codes: ['SENTINELS_MISSING'],
  },
  {
    name: 'no sentinel monitors the master name (and CKQUORUM fails for that name on each)',
    observation: observe(
      [1, 2, 3].map(() =>
        view({
          masterAddress: null,
          quorumError: 'ERR No such master with that name',
          numOtherSentinels: 0,
          monitoredMasters: ['other'],
        }),
      ),
    ),
    status: 'critical',
    isConfirmed: false,
    codes: ['MASTER_UNKNOWN'],
  },
  {
    name: 'one sentinel does not monitor the master name while the others do',
    observation: observe([view(), view(), view({ masterAddress: null, monitoredMasters: [] })]),
    status: 'degraded',
    isConfirmed: true,
    codes: ['MASTER_UNKNOWN'],
  },
  {
    name: 'a sentinel whose pipelined reply came back only partly before the timeout counts as not answering',
    observation: observe([view(), view(), timedOut]),
    status: 'degraded',
    isConfirmed: true,
    codes: ['SENTINEL_UNREACHABLE'],
  },
  {
    name: 'one sentinel of three fails CKQUORUM while a majority passes it',
    observation: observe([view(), view(), view(noQuorum)]),
    status: 'degraded',
    isConfirmed: true,
    codes: ['SENTINEL_NO_QUORUM'],
  },
  {
    name: 'two sentinels of three fail CKQUORUM',
    observation: observe([view(), view(noQuorum), view(noQuorum)]),
    status: 'critical',
    isConfirmed: true,
    codes: ['QUORUM_LOST'],
  },
  {
    name: 'one sentinel fails CKQUORUM and another does not answer: fewer than a majority pass',
    observation: observe([view(), view(noQuorum), down]),
    status: 'critical',
    isConfirmed: true,
    codes: ['QUORUM_LOST', 'SENTINEL_UNREACHABLE'],
  },
  {
    name: 'the previous master still answers ROLE master after the majority promoted a replica',
    observation: observe(
      [view({ masterAddress: R1 }), view({ masterAddress: R1 }), view({ masterAddress: R1 })],
      master({ replicas: [{ endpoint: R2, offset: 1000 }] }),
      {
        nodes: [
          { endpoint: M, answer: master({ replicas: [] }) },
          { endpoint: R2, answer: replicaOf(R1) },
        ],
      },
    ),
    status: 'critical',
    isConfirmed: true,
    codes: ['SPLIT_BRAIN'],
  },
  {
    name: 'a replica promoted by hand answers ROLE master next to the confirmed master',
    observation: observe(
      [view(), view(), view()],
      master({ replicas: [{ endpoint: R1, offset: 1000 }] }),
      {
        nodes: [
          { endpoint: R1, answer: replicaOf(M) },
          { endpoint: R2, answer: master({ replicas: [] }) },
        ],
      },
    ),
    status: 'critical',
    isConfirmed: true,
    codes: ['SPLIT_BRAIN'],
  },
  {
    name: 'the replica a failover is promoting answers ROLE master while a sentinel runs the failover: no split brain',
    observation: observe(
      [
        view({
          masterFlags: ['master', 'failover_in_progress'],
          replicas: [
            { endpoint: R1, flags: ['slave', 'promoted'], masterLinkStatus: 'ok' },
            { endpoint: R2, flags: ['slave'], masterLinkStatus: 'ok' },
          ],
        }),
        view(),
        view(),
      ],
      master({ replicas: [{ endpoint: R2, offset: 1000 }] }),
      { nodes: [{ endpoint: R1, answer: master({ replicas: [] }) }] },
    ),
    status: 'degraded',
    isConfirmed: true,
    codes: ['FAILOVER_IN_PROGRESS', 'REPLICA_DOWN'],
  },
  {
    name: 'a failover that ended at its leader but not yet at the others (newer epoch): no split brain',
    observation: observe(
      [view({ masterAddress: R1, configEpoch: 4 }), view(), view()],
      master({ replicas: [{ endpoint: R2, offset: 1000 }] }),
      { nodes: [{ endpoint: R1, answer: master({ replicas: [] }) }] },
    ),
    status: 'degraded',
    isConfirmed: true,
    codes: ['SENTINELS_DISAGREE', 'REPLICA_DOWN'],
  },
  {
    name: 'a minority names the cut-off old master with an older epoch: split brain',
    observation: observe(
      [
        view({ masterAddress: M, configEpoch: 0 }),
        view({ masterAddress: R1 }),
        view({ masterAddress: R1 }),
      ],
      master({ replicas: [{ endpoint: R2, offset: 1000 }] }),
      { nodes: [{ endpoint: M, answer: master({ replicas: [] }) }] },
    ),
    status: 'critical',
    isConfirmed: true,
    codes: ['SPLIT_BRAIN', 'SENTINELS_DISAGREE'],
  },
  {
    name: 'the old master, cut off, still answers master while the leader finishes the failover: split brain',
    observation: observe(
      [
        view({ masterAddress: M, configEpoch: 3 }),
        view({
          masterAddress: R1,
          configEpoch: 4,
          masterFlags: ['master', 'failover_in_progress'],
        }),
        view({ masterAddress: R1, configEpoch: 4 }),
      ],
      master({ replicas: [{ endpoint: R2, offset: 1000 }] }),
      { nodes: [{ endpoint: M, answer: master({ replicas: [] }) }] },
    ),
    status: 'critical',
    isConfirmed: true,
    codes: ['SPLIT_BRAIN', 'SENTINELS_DISAGREE', 'FAILOVER_IN_PROGRESS'],
  },
  {
    name: 'the old master the sentinels reach has reported master for less than the grace: being converted, no split brain',
    observation: oldMasterAnswering([
      afterFailover(oldMaster()),
      afterFailover(oldMaster({ roleReportedMs: 900 })),
      afterFailover(oldMaster()),
    ]),
    status: 'degraded',
    isConfirmed: true,
    codes: ['FAILOVER_IN_PROGRESS'],
  },
  {
    name: 'the old master has reported master past the grace without being converted: split brain',
    observation: oldMasterAnswering([
      afterFailover(oldMaster({ roleReportedMs: SENTINEL_CONVERT_GRACE_MS + 1 })),
      afterFailover(oldMaster({ roleReportedMs: SENTINEL_CONVERT_GRACE_MS + 5 })),
      afterFailover(oldMaster({ roleReportedMs: SENTINEL_CONVERT_GRACE_MS + 9 })),
    ]),
    status: 'critical',
    isConfirmed: true,
    codes: ['SPLIT_BRAIN'],
  },
  {
    name: 'the sentinels flag the old master s_down (cut off from them): split brain',
    observation: oldMasterAnswering([
      afterFailover(oldMaster({ flags: ['slave', 's_down'] })),
      afterFailover(oldMaster({ flags: ['slave', 's_down'] })),
      afterFailover(oldMaster()),
    ]),
    status: 'critical',
    isConfirmed: true,
    codes: ['SPLIT_BRAIN'],
  },
  {
    name: 'the sentinels have lost their link to the old master: split brain',
    observation: oldMasterAnswering([
      afterFailover(oldMaster({ flags: ['slave', 'disconnected'] })),
      afterFailover(oldMaster({ flags: ['slave', 'disconnected'] })),
      afterFailover(oldMaster({ flags: ['slave', 'disconnected'] })),
    ]),
    status: 'critical',
    isConfirmed: true,
    codes: ['SPLIT_BRAIN'],
  },
  {
    name: 'a node answering master that the sentinels do not list (promoted by hand): split brain',
    observation: oldMasterAnswering([
      view({ masterAddress: R1 }),
      view({ masterAddress: R1 }),
      view({ masterAddress: R1 }),
    ]),
    status: 'critical',
    isConfirmed: true,
    codes: ['SPLIT_BRAIN'],
  },
  {
    name: 'only a minority of the sentinels that know the old master is converting it: split brain',
    observation: oldMasterAnswering([
      afterFailover(oldMaster()),
      afterFailover(oldMaster({ roleReportedMs: SENTINEL_CONVERT_GRACE_MS * 2 })),
      afterFailover(oldMaster({ flags: ['slave', 's_down'] })),
    ]),
    status: 'critical',
    isConfirmed: true,
    codes: ['SPLIT_BRAIN'],
  },
  {
    name: 'right after the switch: the leader still fails over from the reachable old master, the others have had no INFO from it yet',
    observation: oldMasterAnswering([
      afterFailover(oldMaster(), {
        recordAddress: M,
        masterFlags: ['master', 'failover_in_progress', 'force_failover'],
        replicas: [
          { endpoint: R1, flags: ['slave', 'promoted'], masterLinkStatus: 'ok' },
          { endpoint: R2, flags: ['slave'], masterLinkStatus: 'ok' },
        ],
      }),
      afterFailover(freshOldMaster),
      afterFailover(freshOldMaster),
    ]),
    status: 'degraded',
    isConfirmed: true,
    codes: ['FAILOVER_IN_PROGRESS'],
  },
  {
    name: 'right after the switch, no sentinel has reached the old master (the leader flags it o_down): split brain',
    observation: oldMasterAnswering([
      afterFailover(oldMaster(), {
        recordAddress: M,
        masterFlags: ['master', 's_down', 'o_down', 'failover_in_progress'],
        replicas: [
          { endpoint: R1, flags: ['slave', 'promoted'], masterLinkStatus: 'ok' },
          { endpoint: R2, flags: ['slave'], masterLinkStatus: 'ok' },
        ],
      }),
      afterFailover(freshOldMaster),
      afterFailover(freshOldMaster),
    ]),
    status: 'critical',
    isConfirmed: true,
    codes: ['SPLIT_BRAIN', 'FAILOVER_IN_PROGRESS'],
  },
  {
    name: 'right after the switch, every sentinel has a fresh record of the old master: split brain',
    observation: oldMasterAnswering([
      afterFailover(freshOldMaster),
      afterFailover(freshOldMaster),
      afterFailover(freshOldMaster),
    ]),
    status: 'critical',
    isConfirmed: true,
    codes: ['SPLIT_BRAIN'],
  },
  {
    name: 'two nodes answer ROLE master and the sentinels confirm neither',
    observation: observe(
      [view(), view({ masterAddress: R1 }), down],
      { ok: false, failure: 'unreachable', detail: 'connection refused' },
      {
        nodes: [
          { endpoint: R1, answer: master({ replicas: [] }) },
          { endpoint: R2, answer: master({ replicas: [] }) },
        ],
      },
    ),
    status: 'critical',
    isConfirmed: false,
    codes: ['SPLIT_BRAIN', 'SENTINELS_DISAGREE', 'NO_MAJORITY', 'SENTINEL_UNREACHABLE'],
  },
  {
    name: 'a minority names a master by hand while the previous master still answers as master',
    observation: observe([view({ masterAddress: R1 }), down, down], master({ replicas: [] }), {
      nodes: [{ endpoint: M, answer: master() }],
    }),
    status: 'critical',
    isConfirmed: false,
    codes: ['SPLIT_BRAIN', 'NO_MAJORITY', 'QUORUM_LOST', 'SENTINEL_UNREACHABLE', 'REPLICA_DOWN'],
  },
  {
    name: 'one other node answers master while the named master is unreachable: a stale view, not a split brain',
    observation: observe(
      [view(), view(), view()],
      { ok: false, failure: 'unreachable', detail: 'connection refused' },
      { nodes: [{ endpoint: R1, answer: master({ replicas: [] }) }] },
    ),
    status: 'critical',
    isConfirmed: false,
    codes: ['MASTER_UNREACHABLE'],
  },
  {
    name: 'a sentinel is in TILT mode',
    observation: observe([view(), view({ isTilt: true }), view()]),
    status: 'degraded',
    isConfirmed: true,
    codes: ['SENTINEL_TILT'],
  },
  {
    name: 'the data password parameter is missing, so the master was not asked',
    observation: observe([view(), view(), view()], null, {
      missingPasswords: [{ parameter: '/redis/password', usedBy: 'data-nodes' }],
    }),
    status: 'critical',
    isConfirmed: false,
    codes: ['PASSWORD_MISSING'],
  },
  {
    name: 'the sentinels password parameter is missing, so nothing was asked',
    observation: observe([], null, {
      missingPasswords: [{ parameter: '/redis/sentinel-password', usedBy: 'sentinels' }],
    }),
    status: 'critical',
    isConfirmed: false,
    codes: ['PASSWORD_MISSING'],
  },
  {
    name: 'no sentinel answers',
    observation: observe([down, down, down]),
    status: 'critical',
    isConfirmed: false,
    codes: ['SENTINEL_UNREACHABLE', 'NO_MAJORITY'],
  },
];

describe('decideVerdict', () => {
  it.each(cases)('$name -> $status', ({ observation, status, isConfirmed, codes }) => {
    const verdict = decideVerdict(policy, observation);

    expect(verdict.status).toBe(status);
    expect(verdict.isConfirmed).toBe(isConfirmed);
    expect([...new Set(verdict.reasons.map((r) => r.code))].sort()).toEqual([...codes].sort());
  });

  it('reports the highest config epoch among the sentinels that name the master', () => {
    const verdict = decideVerdict(
      policy,
      observe([
        view({ configEpoch: 4 }),
        view({ configEpoch: 5 }),
        view({ configEpoch: 9, masterAddress: R1 }),
      ]),
    );

    expect(verdict.configEpoch).toBe(5);
  });

  it('needs a majority of the configured sentinels, not of those answering', () => {
    const verdict = decideVerdict(
      { ...policy, sentinelsConfigured: 5 },
      observe([view(), view(), down]),
    );

    expect(verdict.isConfirmed).toBe(false);
    expect(verdict.reasons.map((r) => r.code)).toContain('NO_MAJORITY');
  });

  it('picks no candidate when the vote is tied', () => {
    const sentinels = [view(), view({ masterAddress: R1 })].map((answer, i) => ({
      endpoint: S[i] as Endpoint,
      answer,
    }));

    expect(chooseCandidate({ sentinels })).toBeNull();
  });

  it('names the sentinel concerned in each per-sentinel reason', () => {
    const verdict = decideVerdict(policy, observe([view(), view(), down]));

    expect(verdict.reasons).toEqual([
      expect.objectContaining({ code: 'SENTINEL_UNREACHABLE', target: '10.0.1.3:26379' }),
    ]);
  });

  it('names the split-brain node and the master the majority names, and drops its REPLICA_DOWN', () => {
    const verdict = decideVerdict(
      policy,
      observe([view(), view(), view()], master({ replicas: [{ endpoint: R1, offset: 1000 }] }), {
        nodes: [{ endpoint: R2, answer: master({ replicas: [] }) }],
      }),
    );

    expect(verdict.reasons).toEqual([
      {
        code: 'SPLIT_BRAIN',
        severity: 'critical',
        target: '10.0.0.3:6379',
        message: expect.stringMatching(
          /^node 10\.0\.0\.3:6379 answers ROLE master while the sentinels' majority names 10\.0\.0\.1:6379: writes it accepts will be lost/,
        ),
      },
    ]);
  });

  it('names the old master the sentinels are converting and the new master, and drops its REPLICA_DOWN', () => {
    const verdict = decideVerdict(
      policy,
      oldMasterAnswering([
        afterFailover(oldMaster()),
        afterFailover(oldMaster()),
        afterFailover(freshOldMaster),
      ]),
    );

    expect(verdict.reasons).toEqual([
      {
        code: 'FAILOVER_IN_PROGRESS',
        severity: 'degraded',
        target: '10.0.0.1:6379',
        message: expect.stringMatching(
          /^node 10\.0\.0\.1:6379 still answers ROLE master after the failover to 10\.0\.0\.2:6379: the sentinels reach it and make it a replica \(\+convert-to-slave\)/,
        ),
      },
    ]);
  });

  it('names every node answering master when no majority confirms one', () => {
    const verdict = decideVerdict(
      policy,
      observe([view({ masterAddress: R1 }), down, down], master({ replicas: [] }), {
        nodes: [{ endpoint: M, answer: master() }],
      }),
    );

    expect(verdict.reasons.filter((r) => r.code === 'SPLIT_BRAIN').map((r) => r.target)).toEqual([
      '10.0.0.2:6379',
      '10.0.0.1:6379',
    ]);
  });

  it('reports a wrong master name once, naming the masters the sentinels do monitor', () => {
    const unknown = view({
      masterAddress: null,
      quorumError: 'ERR No such master with that name',
      monitoredMasters: ['mymaster', 'cache'],
    });
    const verdict = decideVerdict(
      { ...policy, masterName: 'mymastr' },
      observe([unknown, unknown, unknown]),
    );

    expect(verdict.reasons).toEqual([
      {
        code: 'MASTER_UNKNOWN',
        severity: 'critical',
        message: 'no sentinel monitors "mymastr"; they monitor "cache", "mymaster"',
      },
    ]);
  });

  it('names the sentinel that fails CKQUORUM and keeps its error text', () => {
    const verdict = decideVerdict(policy, observe([view(), view(noQuorum), view()]));

    expect(verdict.reasons).toEqual([
      expect.objectContaining({
        code: 'SENTINEL_NO_QUORUM',
        target: '10.0.1.2:26379',
        message: expect.stringContaining('NOQUORUM 1 usable Sentinels'),
      }),
    ]);
  });

  it('tells the operator which parameter is missing and how to store it', () => {
    const verdict = decideVerdict(
      policy,
      observe([view(), view(), view()], null, {
        missingPasswords: [{ parameter: '/redis/password', usedBy: 'data-nodes' }],
      }),
    );

    expect(verdict.reasons).toEqual([
      expect.objectContaining({
        target: '/redis/password',
        message: expect.stringContaining('redis-ha params put /redis/password --secure'),
      }),
    ]);
  });

  it('keeps the timeout in the message of a sentinel that did not answer', () => {
    const verdict = decideVerdict(policy, observe([view(), view(), timedOut]));

    expect(verdict.reasons[0]?.message).toBe(
      'sentinel 10.0.1.3:26379 did not answer: timed out after 500 ms',
    );
  });
});
