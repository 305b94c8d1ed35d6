// TLS end to end: data nodes and sentinels that speak only TLS (replication and the sentinels'
// own links too), with a CA the test makes. The inventory's `tls` block must reach every
// connection the probe opens; a CA or a server name that does not fit is refused, not a crash.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reconcileCluster } from '../../functions/control/reconcile';
import { Watcher } from '../../functions/control/watcher';
import { makeCa, makeServerCertificate, type TestServerCertificate } from '../support/certificates';
import { expectNoSecret } from '../support/secrets';
import {
  clusterFor,
  controlDepsFor,
  eventually,
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  runCli,
  writeInventory,
} from '../support/topology';

/** Holds the certificates for the whole file; `harness` what each test starts. */
const certificates = new Harness();
const harness = new Harness();
const watchers: Watcher[] = [];
let certificate: TestServerCertificate;
let wrongCaFile: string;

beforeAll(() => {
  const dir = certificates.tempDir();
  certificate = makeServerCertificate(dir, makeCa(dir, 'redis-ha'), [
    'IP:127.0.0.1',
    'DNS:localhost',
  ]);
  wrongCaFile = makeCa(dir, 'stranger').certFile;
});
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.stop()));
  await harness.cleanup();
});
afterAll(() => certificates.cleanup());

async function setUp(tls: Record<string, unknown>) {
  const topology = await harness.topology({ tls: certificate });
  const backend = harness.backend();
  await backend.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  const inventory = inventoryFor(topology, { tls });
  const cluster = clusterFor(topology, { tls });
  const deps = controlDepsFor(backend);
  return {
    topology,
    backend,
    inventory,
    deps,
    reconcile: () => reconcileCluster(cluster, deps),
  };
}

const codes = (report: { verdict: { reasons: readonly { code: string }[] } }) =>
  [...new Set(report.verdict.reasons.map((r) => r.code))].sort();

describe('TLS end to end', () => {
  it('confirms the master over TLS, writes {{tls}} as true, and watch hears the failover on its TLS subscriptions', async () => {
    const { topology, backend, inventory, deps, reconcile } = await setUp({
      enabled: true,
      caFile: certificate.caFile,
      servername: 'localhost',
    });
    const master = topology.nodes[0];
    if (!master) throw new Error('no master');

    const first = await reconcile();

    expect(first.verdict).toMatchObject({
      status: 'ok',
      isConfirmed: true,
      master: { port: master.port },
      sentinelsAnswering: 3,
    });
    expect(first.verdict.reasons).toEqual([]);
    expect((await backend.parameters.get('/test/app/sentinels'))?.value).toBe(
      `${topology.sentinelAddresses.join(',')}|${topology.masterName}|true`,
    );
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(
      `127.0.0.1:${master.port}`,
    );

    // The periodic probe is far away: only the sentinels' pub/sub, over TLS, can trigger one.
    const channels: string[] = [];
    const subscribed = new Set<string>();
    const watcher = new Watcher(inventory, deps, {
      probeIntervalMs: 10 * 60_000,
      hooks: {
        onSentinelEvent: (_c, _s, channel) => channels.push(channel),
        onSubscription: (_c, sentinel, isConnected) => isConnected && subscribed.add(sentinel),
      },
    });
    watchers.push(watcher);
    await watcher.start();
    await eventually(async () => subscribed.size === 3, 'TLS subscriptions to every sentinel');
    await topology.kill(master);
    const changed = await eventually(
      async () =>
        backend.events.list({ limit: 100 }).find((e) => e.event.type === 'redis-ha.master.changed'),
      'master.changed',
      30_000,
    );
    await watcher.idle();
    const newPort = await topology.currentMasterPort();

    expect(channels).toContain('+switch-master');
    expect(changed.event.data).toMatchObject({
      previous: `127.0.0.1:${master.port}`,
      current: `127.0.0.1:${newPort}`,
    });
    expect((await backend.parameters.get('/test/app/addr'))?.value).toBe(`127.0.0.1:${newPort}`);
  });

  it('refuses servers signed by a CA it was not given, naming the certificate problem, and writes nothing', async () => {
    const { backend, reconcile, deps } = await setUp({ enabled: true, caFile: wrongCaFile });

    const report = await reconcile();

    expect(report.verdict).toMatchObject({
      status: 'critical',
      isConfirmed: false,
      sentinelsAnswering: 0,
    });
    expect(codes(report)).toContain('SENTINEL_UNREACHABLE');
    const sentinelReasons = report.verdict.reasons.filter((r) => r.code === 'SENTINEL_UNREACHABLE');
    expect(sentinelReasons).toHaveLength(3);
    for (const reason of sentinelReasons) expect(reason.message).toMatch(/certificate/i);
    expect(report.parametersWritten).toEqual([]);
    expect(await backend.parameters.get('/test/app/addr')).toBeUndefined();
    expectNoSecret([JSON.stringify(report), deps.log.text()], { password: PASSWORD });
  });

  it('refuses a certificate that does not name the configured servername', async () => {
    const { reconcile } = await setUp({
      enabled: true,
      caFile: certificate.caFile,
      servername: 'redis.elsewhere.example',
    });

    const report = await reconcile();

    expect(report.verdict).toMatchObject({ status: 'critical', isConfirmed: false });
    const sentinelReasons = report.verdict.reasons.filter((r) => r.code === 'SENTINEL_UNREACHABLE');
    expect(sentinelReasons).toHaveLength(3);
    for (const reason of sentinelReasons)
      expect(reason.message).toMatch(/redis\.elsewhere\.example/);
  });

  it('reports a wrong CA through the CLI as a critical verdict with exit code 2, not a crash', async () => {
    const topology = await harness.topology({ tls: certificate });
    const dir = harness.tempDir();
    const store = `${dir}/store`;
    const put = await runCli(['params', 'put', PASSWORD_PARAMETER, '--secure', '--store', store], {
      input: `${PASSWORD}\n`,
    });
    expect(put.code).toBe(0);
    const inventory = writeInventory(
      dir,
      inventoryFor(topology, { tls: { enabled: true, caFile: wrongCaFile } }),
    );

    const result = await runCli(['probe', '--json', '-i', inventory, '--store', store]);

    expect(result.code).toBe(2);
    const [report] = JSON.parse(result.stdout) as {
      status: string;
      isConfirmed: boolean;
      reasons: { code: string; message: string }[];
    }[];
    expect(report).toMatchObject({ status: 'critical', isConfirmed: false });
    expect(report?.reasons.filter((r) => r.code === 'SENTINEL_UNREACHABLE')).toHaveLength(3);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expectNoSecret([result.stdout, result.stderr], { password: PASSWORD });
  });
});
