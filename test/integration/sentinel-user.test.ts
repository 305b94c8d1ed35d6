// `sentinelUsername`: sentinels whose default user is off and whose clients log in as an ACL
// user. The probe must authenticate as that user; any other name is AUTH_FAILED per sentinel,
// and neither password ever shows up in a report or a log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileCluster } from '../../functions/control/reconcile';
import { Watcher } from '../../functions/control/watcher';
import { expectNoSecret } from '../support/secrets';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  type Topology,
} from '../support/topology';

const SENTINEL_USER = 'sentinel-user';
const SENTINEL_PASSWORD = 'Sentinel-User-Pw-5e4d3c2b1a09';
const SENTINEL_PARAMETER = '/test/redis/sentinel-password';

const harness = new Harness();
let topology: Topology;

beforeAll(async () => {
  topology = await harness.topology({
    sentinelPassword: SENTINEL_PASSWORD,
    sentinelUsername: SENTINEL_USER,
  });
});
const watchers: Watcher[] = [];
afterAll(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.stop()));
  await harness.cleanup();
});

async function probe(overrides: Record<string, unknown>) {
  const backend = harness.backend();
  await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  await backend.parameters.put(SENTINEL_PARAMETER, SENTINEL_PASSWORD, { isSecure: true });
  const cluster = clusterFor(topology, {
    sentinelPasswordParameter: SENTINEL_PARAMETER,
    ...overrides,
  });
  const deps = controlDepsFor(backend);
  const report = await reconcileCluster(cluster, deps);
  const everything =
    JSON.stringify(report) + deps.log.text() + JSON.stringify(backend.events.list({ limit: 100 }));
  return { report, everything };
}

const sentinelReasons = (report: Awaited<ReturnType<typeof probe>>['report']) =>
  report.verdict.reasons.filter((r) => r.target && topology.sentinelAddresses.includes(r.target));

describe('sentinels that require an ACL user', () => {
  it('confirms the master when the probe logs in to the sentinels as sentinelUsername', async () => {
    const { report, everything } = await probe({ sentinelUsername: SENTINEL_USER });

    expect(report.verdict).toMatchObject({
      status: 'ok',
      isConfirmed: true,
      master: { port: topology.nodes[0]?.port },
      sentinelsAnswering: 3,
    });
    expect(report.verdict.reasons).toEqual([]);
    expectNoSecret([everything], { 'sentinel password': SENTINEL_PASSWORD, password: PASSWORD });
  });

  it('reports AUTH_FAILED for every sentinel when sentinelUsername names another user', async () => {
    const { report, everything } = await probe({ sentinelUsername: 'not-the-sentinel-user' });

    expect(report.verdict).toMatchObject({
      status: 'critical',
      isConfirmed: false,
      sentinelsAnswering: 0,
    });
    expect(sentinelReasons(report).map((r) => [r.code, r.target])).toEqual(
      topology.sentinelAddresses.map((address) => ['AUTH_FAILED', address]),
    );
    expect(report.parametersWritten).toEqual([]);
    expectNoSecret([everything], { 'sentinel password': SENTINEL_PASSWORD });
  });

  it('reports AUTH_FAILED when the password is right but no sentinelUsername is given (default user is off)', async () => {
    const { report } = await probe({});

    expect(report.verdict).toMatchObject({ status: 'critical', isConfirmed: false });
    expect(sentinelReasons(report).map((r) => r.code)).toEqual([
      'AUTH_FAILED',
      'AUTH_FAILED',
      'AUTH_FAILED',
    ]);
  });

  it('lets watch subscribe to every sentinel as sentinelUsername and hear its events', async () => {
    const backend = harness.backend();
    await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
    await backend.parameters.put(SENTINEL_PARAMETER, SENTINEL_PASSWORD, { isSecure: true });
    const inventory = inventoryFor(topology, {
      sentinelPasswordParameter: SENTINEL_PARAMETER,
      sentinelUsername: SENTINEL_USER,
    });
    const heardFrom = new Set<string>();
    const deps = controlDepsFor(backend);
    const watcher = new Watcher(inventory, deps, {
      probeIntervalMs: 10 * 60_000,
      hooks: {
        onSentinelEvent: (_c, sentinel, channel) => channel === '+sdown' && heardFrom.add(sentinel),
      },
    });
    watchers.push(watcher);
    await watcher.start();
    const replica = topology.nodes[2];
    if (!replica) throw new Error('no replica');

    await topology.kill(replica);
    try {
      await eventually(async () => heardFrom.size === 3, '+sdown from every sentinel');
    } finally {
      await topology.restart(replica);
    }

    expect([...heardFrom].sort()).toEqual([...topology.sentinelAddresses].sort());
    expectNoSecret([deps.log.text()], { 'sentinel password': SENTINEL_PASSWORD });
  });
});
