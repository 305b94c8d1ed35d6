// The pure decisions of an ElastiCache rotation: when a change is asked for (never twice once in
// effect), when the group or user is busy, which groups and users refuse a rotation, the
// placeholder values and the dry-run plan. Plain data in, plain data out.
import { describe, expect, it } from 'vitest';
import type { ElastiCacheGroup, ElastiCacheUser } from '../../functions/core/elasticache';
import {
  CHANGE_SETTLE_MS,
  changeAction,
  clientEndpoint,
  elastiCacheRotationPlan,
  elastiCacheTemplateValues,
  groupBusy,
  pollDelayMs,
  startRefusal,
  userBusy,
} from '../../functions/core/elasticache-rotation';
import { InventorySchema, type ElastiCacheCluster } from '../../functions/core/inventory';
import { parseRotationRecord } from '../../functions/core/rotation-record';

const HOST = 'orders.abc123.ng.0001.euw1.cache.amazonaws.com';
const GROUP: ElastiCacheGroup = {
  replicationGroupId: 'orders',
  status: 'available',
  isClusterModeEnabled: false,
  automaticFailover: 'enabled',
  isMultiAz: true,
  isTransitEncryptionEnabled: true,
  isAuthTokenEnabled: true,
  nodeGroups: [
    {
      nodeGroupId: '0001',
      status: 'available',
      primaryEndpoint: { host: `master.${HOST}`, port: 6379 },
      readerEndpoint: { host: `replica.${HOST}`, port: 6379 },
      members: [],
    },
  ],
};
const USER: ElastiCacheUser = {
  userId: 'app-user',
  status: 'active',
  authenticationType: 'password',
  passwordCount: 1,
};

function cluster(extra: Record<string, unknown> = {}): ElastiCacheCluster {
  return InventorySchema.parse({
    clusters: [
      {
        name: 'orders',
        kind: 'elasticache',
        replicationGroupId: 'orders',
        region: 'eu-west-1',
        passwordParameter: '/orders/token',
        platformParameters: { '/app/url': 'rediss://:{{password}}@{{host}}:{{port}}' },
        ...extra,
      },
    ],
  }).clusters[0] as ElastiCacheCluster;
}

describe('changeAction', () => {
  it.each([
    { busy: 'group to be available', isApplied: false, requestedMsAgo: null, action: 'wait' },
    { busy: 'group to be available', isApplied: true, requestedMsAgo: 5_000, action: 'wait' },
    { busy: null, isApplied: true, requestedMsAgo: 5_000, action: 'done' },
    { busy: null, isApplied: true, requestedMsAgo: null, action: 'done' },
    { busy: null, isApplied: false, requestedMsAgo: null, action: 'request' },
    // Requested moments ago and not showing yet: the API's reads may lag, do not ask twice.
    { busy: null, isApplied: false, requestedMsAgo: 5_000, action: 'wait' },
    { busy: null, isApplied: false, requestedMsAgo: CHANGE_SETTLE_MS, action: 'request' },
  ] as const)(
    'with busy=$busy, applied=$isApplied, requested $requestedMsAgo ms ago it does $action',
    ({ busy, isApplied, requestedMsAgo, action }) => {
      expect(changeAction({ busy, isApplied, requestedMsAgo })).toBe(action);
    },
  );
});

describe('groupBusy and userBusy', () => {
  it('finds a group busy while modifying or with a token change pending, and an inactive user', () => {
    expect(groupBusy(GROUP)).toBeNull();
    expect(groupBusy({ ...GROUP, status: 'modifying' })).toBe(
      'replication group orders to be available (status modifying)',
    );
    expect(groupBusy({ ...GROUP, pendingAuthTokenStatus: 'ROTATING' })).toBe(
      'replication group orders to be available (status available, AuthTokenStatus ROTATING)',
    );
    expect(userBusy(USER)).toBeNull();
    expect(userBusy({ ...USER, status: 'modifying' })).toMatch(/app-user to be active/);
  });
});

describe('startRefusal', () => {
  it('refuses a token rotation on a group without AUTH, for good (not forceable)', () => {
    expect(startRefusal(cluster(), { ...GROUP, isAuthTokenEnabled: false }, undefined)).toEqual({
      isForceable: false,
      text: expect.stringMatching(/no AUTH token \(AuthTokenEnabled is false\).*passwordless/),
    });
  });

  it('lets an RBAC rotation run on a group without a token, and refuses an unknown or IAM user', () => {
    const rbac = cluster({ userId: 'app-user' });
    const noToken = { ...GROUP, isAuthTokenEnabled: false };
    expect(startRefusal(rbac, noToken, USER)).toBeNull();
    expect(startRefusal(rbac, GROUP, undefined)?.text).toMatch(/user app-user not found/);
    expect(startRefusal(rbac, GROUP, { ...USER, authenticationType: 'iam' })).toMatchObject({
      isForceable: false,
      text: expect.stringMatching(/authenticates by iam/),
    });
  });

  it('refuses a busy group or user unless forced', () => {
    expect(startRefusal(cluster(), { ...GROUP, status: 'modifying' }, undefined)).toMatchObject({
      isForceable: true,
    });
    expect(
      startRefusal(cluster({ userId: 'app-user' }), GROUP, { ...USER, status: 'modifying' }),
    ).toMatchObject({ isForceable: true });
  });
});

describe('endpoints and values', () => {
  it('authenticates at the configuration endpoint with cluster mode, else at the primary', () => {
    const sharded = {
      ...GROUP,
      isClusterModeEnabled: true,
      configurationEndpoint: { host: `cfg.${HOST}`, port: 6379 },
    };
    expect(clientEndpoint(GROUP)).toEqual({ host: `master.${HOST}`, port: 6379 });
    expect(clientEndpoint(sharded)).toEqual({ host: `cfg.${HOST}`, port: 6379 });
    expect(elastiCacheTemplateValues(cluster(), GROUP, 'secret')).toEqual({
      host: `master.${HOST}`,
      port: '6379',
      password: 'secret',
      tls: 'true',
      masterName: 'orders',
      sentinels: '',
      readerHost: `replica.${HOST}`,
      readerPort: '6379',
    });
    expect(elastiCacheTemplateValues(cluster(), sharded, 'secret')).toMatchObject({
      host: `cfg.${HOST}`,
      readerHost: '',
    });
  });

  it('looks again after 2 s, doubling up to 30 s', () => {
    expect([0, 1, 2, 3, 4, 10].map(pollDelayMs)).toEqual([2000, 4000, 8000, 16000, 30000, 30000]);
  });
});

describe('elastiCacheRotationPlan', () => {
  it('tells the token steps with every secret hidden', () => {
    const plan = elastiCacheRotationPlan(cluster(), {
      group: GROUP,
      refusal: null,
      isForced: false,
      gracePeriodMs: 30_000,
    });
    expect(plan).toContain(
      '3. ModifyReplicationGroup orders AuthToken *** AuthTokenUpdateStrategy ROTATE ApplyImmediately (old and new valid); wait for group orders available',
    );
    expect(plan.at(-1)).toMatch(
      /^6\. after 30000 ms: ModifyReplicationGroup orders AuthToken \*\*\* AuthTokenUpdateStrategy SET/,
    );
  });

  it('tells the RBAC steps and a refusal', () => {
    const plan = elastiCacheRotationPlan(cluster({ userId: 'app-user' }), {
      group: GROUP,
      refusal: { isForceable: false, text: 'ElastiCache user app-user not found' },
      isForced: true,
      gracePeriodMs: 1000,
    });
    expect(plan[0]).toBe('would refuse: ElastiCache user app-user not found');
    expect(plan).toContain(
      '3. ModifyUser app-user Passwords [***, ***] (old and new valid); wait for user app-user active',
    );
  });
});

describe('the rotation record', () => {
  it('keeps the requested change of an ElastiCache rotation and still reads older records', () => {
    const base = {
      rotationId: 'r1',
      cluster: 'orders',
      phase: 'pending-stored',
      actor: 'test',
      startedAt: '2026-11-25T08:00:00.000Z',
      updatedAt: '2026-11-25T08:00:00.000Z',
      gracePeriodMs: 30000,
      graceEndsAt: null,
      isForced: false,
      nodes: [`master.${HOST}:6379`],
      sentinels: [],
      error: null,
      completedAt: null,
    };
    const change = { change: 'add-new', at: '2026-11-25T08:00:01.000Z' };
    expect(
      parseRotationRecord({ ...base, requestedChange: change }, 'test').requestedChange,
    ).toEqual(change);
    expect(parseRotationRecord(base, 'test').requestedChange).toBeUndefined();
    expect(() =>
      parseRotationRecord({ ...base, requestedChange: { change: 'rotate', at: 'x' } }, 'test'),
    ).toThrow(/requestedChange/);
  });
});
