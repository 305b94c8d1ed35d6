// The data-plane half of an ElastiCache probe against real TLS redis-server processes and a CA
// the test makes: PING on the reader and ROLE on the primary endpoint with AUTH (token or RBAC
// user), a refused token, a CA that did not sign the servers, and nothing listening. The API is
// aws-sdk-client-mock returning endpoints that point at the local ports.
import {
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
} from '@aws-sdk/client-elasticache';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IoredisGateway } from '../../functions/adapters/redis/ioredis-gateway';
import { probeElastiCache } from '../../functions/control/elasticache-probe';
import { freePorts } from '../../sandbox/topology';
import { makeCa, makeServerCertificate, type TestServerCertificate } from '../support/certificates';
import {
  elastiCacheCluster,
  mockedElastiCache,
  singleShardGroup,
  type LocalMember,
} from '../support/elasticache-groups';
import { expectNoSecret } from '../support/secrets';
import { Harness, PASSWORD, PASSWORD_PARAMETER } from '../support/topology';

const certificates = new Harness();
const harness = new Harness();
let certificate: TestServerCertificate;
let wrongCaFile: string;

beforeAll(() => {
  const dir = certificates.tempDir();
  certificate = makeServerCertificate(dir, makeCa(dir, 'elasticache'), ['IP:127.0.0.1']);
  wrongCaFile = makeCa(dir, 'stranger').certFile;
});
afterAll(() => certificates.cleanup());

const elasticache = mockedElastiCache();
beforeEach(() => elasticache.mock.reset());
afterEach(() => harness.cleanup());

const gateway = new IoredisGateway();

/** A TLS primary and replica (optionally an ACL user), the group pointing at them, and a probe. */
async function setUp(
  options: { username?: string; members?: (ports: number[]) => LocalMember[] } = {},
) {
  const topology = await harness.topology({
    tls: certificate,
    replicas: 1,
    sentinels: 0,
    ...(options.username ? { username: options.username } : {}),
  });
  const ports = topology.nodes.map((n) => n.port);
  const members = options.members?.(ports) ?? [
    { id: 'orders-001', port: ports[0] as number, role: 'primary' },
    { id: 'orders-002', port: ports[1] as number, role: 'replica' },
  ];
  elasticache.mock
    .on(DescribeReplicationGroupsCommand)
    .resolves({ ReplicationGroups: [singleShardGroup(members)] })
    .on(DescribeEventsCommand)
    .resolves({ Events: [] });
  const backend = harness.backend();
  const probe = async (overrides: Record<string, unknown>, password = PASSWORD) => {
    await backend.parameters.put(PASSWORD_PARAMETER, password, { isSecure: true });
    return probeElastiCache(
      elastiCacheCluster(overrides),
      { api: elasticache.factory(), gateway, parameters: backend.parameters },
      { eventsSince: new Date(Date.now() - 60_000) },
    );
  };
  return { ports, probe };
}

describe('ElastiCache data plane over TLS', () => {
  it('gets ROLE master from the primary endpoint and PONG from the reader, with the AUTH token', async () => {
    const { ports, probe } = await setUp();

    const result = await probe({ tls: { caFile: certificate.caFile } });

    expect(result.observation.shards[0]?.role).toMatchObject({ ok: true, role: 'master' });
    expect(result.observation.shards[0]?.dialled).toEqual({ host: '127.0.0.1', port: ports[0] });
    expect(result.observation.reader).toEqual({
      endpoint: { host: '127.0.0.1', port: ports[1] },
      answer: { ok: true },
    });
    expect(result.verdict).toMatchObject({ status: 'ok', isConfirmed: true, reasons: [] });
  });

  it('logs in as the RBAC user (username, else userId) with its password', async () => {
    const { probe } = await setUp({ username: 'app' });

    const asUsername = await probe({
      userId: 'app-user',
      username: 'app',
      tls: { caFile: certificate.caFile },
    });
    const asUserId = await probe({ userId: 'app', tls: { caFile: certificate.caFile } });

    expect(asUsername.verdict).toMatchObject({ status: 'ok', isConfirmed: true });
    expect(asUserId.verdict).toMatchObject({ status: 'ok', isConfirmed: true });
  });

  it('reports a refused token as AUTH_FAILED on both endpoints, critical, and never echoes it', async () => {
    const { ports, probe } = await setUp();
    const wrong = 'Wrong-token-0123456789-abcdef';

    const result = await probe({ tls: { caFile: certificate.caFile } }, wrong);

    expect(result.verdict).toMatchObject({ status: 'critical', isConfirmed: false });
    expect(result.verdict.reasons.map((r) => [r.code, r.severity, r.target])).toEqual([
      ['AUTH_FAILED', 'critical', `127.0.0.1:${ports[0]}`],
      ['AUTH_FAILED', 'degraded', `127.0.0.1:${ports[1]}`],
    ]);
    expectNoSecret([JSON.stringify(result.verdict)], { password: wrong });
  });

  it('reports servers signed by another CA as TLS_FAILED, naming the certificate problem', async () => {
    const { probe } = await setUp();

    const result = await probe({ tls: { caFile: wrongCaFile } });

    expect(result.verdict).toMatchObject({ status: 'critical', isConfirmed: false });
    const codes = result.verdict.reasons.map((r) => r.code);
    expect(codes).toEqual(['TLS_FAILED', 'TLS_FAILED']);
    for (const reason of result.verdict.reasons)
      expect(reason.message).toMatch(/TLS handshake failed \(.*certificate/i);
  });

  it('reports endpoints where nothing listens as ENDPOINT_UNREACHABLE', async () => {
    const [primary, reader] = await freePorts(2);
    const { probe } = await setUp({
      members: () => [
        { id: 'orders-001', port: primary as number, role: 'primary' },
        { id: 'orders-002', port: reader as number, role: 'replica' },
      ],
    });

    const result = await probe({ tls: { caFile: certificate.caFile } });

    expect(result.verdict).toMatchObject({ status: 'critical', isConfirmed: false });
    expect(result.verdict.reasons.map((r) => [r.code, r.severity])).toEqual([
      ['ENDPOINT_UNREACHABLE', 'critical'],
      ['ENDPOINT_UNREACHABLE', 'degraded'],
    ]);
    expect(result.verdict.reasons[0]?.message).toBe(
      `primary endpoint of node group 0001 of orders (127.0.0.1:${primary}) did not answer: connection refused`,
    );
    expect(result.verdict.reasons[1]?.message).toBe(
      `reader endpoint 127.0.0.1:${reader} did not answer: connection refused`,
    );
  });
});
