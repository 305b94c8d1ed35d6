// The real CLI probing a `kind: elasticache` group with the operator's SDK configuration:
// AWS_ENDPOINT_URL_ELASTICACHE points the SDK at the loopback ElastiCache fake, whose group
// names local TLS redis-server ports. Exit codes, JSON and text output, status, AccessDenied.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ElastiCacheGroup } from '../../functions/core/elasticache';
import { ElastiCacheFake } from '../support/aws-fakes/elasticache-fake';
import { makeCa, makeServerCertificate, type TestServerCertificate } from '../support/certificates';
import { elastiCacheInventory } from '../support/elasticache-groups';
import { expectNoSecret } from '../support/secrets';
import { Harness, PASSWORD, PASSWORD_PARAMETER, runCli, writeInventory } from '../support/topology';

const certificates = new Harness();
const harness = new Harness();
let certificate: TestServerCertificate;
let fake: ElastiCacheFake | undefined;

beforeAll(() => {
  const dir = certificates.tempDir();
  certificate = makeServerCertificate(dir, makeCa(dir, 'elasticache'), ['IP:127.0.0.1']);
});
afterAll(() => certificates.cleanup());
afterEach(async () => {
  await fake?.stop();
  await harness.cleanup();
});

function groupView(primary: number, replica: number): ElastiCacheGroup {
  return {
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
        primaryEndpoint: { host: '127.0.0.1', port: primary },
        readerEndpoint: { host: '127.0.0.1', port: replica },
        members: [
          ['orders-001', primary, 'primary'] as const,
          ['orders-002', replica, 'replica'] as const,
        ].map(([id, port, role]) => ({
          cacheClusterId: id,
          cacheNodeId: '0001',
          readEndpoint: { host: '127.0.0.1', port },
          availabilityZone: role === 'primary' ? 'eu-west-1a' : 'eu-west-1b',
          currentRole: role,
        })),
      },
    ],
  };
}

async function setUp() {
  const topology = await harness.topology({ tls: certificate, replicas: 1, sentinels: 0 });
  const [primary, replica] = topology.nodes.map((n) => n.port) as [number, number];
  fake = await ElastiCacheFake.start();
  fake.groups.set('orders', groupView(primary, replica));
  const dir = harness.tempDir();
  const store = `${dir}/store`;
  const put = await runCli(['params', 'put', PASSWORD_PARAMETER, '--secure', '--store', store], {
    input: `${PASSWORD}\n`,
  });
  expect(put.code).toBe(0);
  const inventory = writeInventory(
    dir,
    elastiCacheInventory({ tls: { caFile: certificate.caFile } }),
  );
  const env = {
    AWS_ENDPOINT_URL_ELASTICACHE: fake.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const cli = (args: string[]) => runCli([...args, '-i', inventory, '--store', store], { env });
  return { primary, replica, fake, cli };
}

describe('redis-ha probe for an ElastiCache group', () => {
  it('probes through AWS_ENDPOINT_URL_ELASTICACHE, prints JSON and text, and status shows the primary', async () => {
    const { primary, fake, cli } = await setUp();

    const json = await cli(['probe', '--json']);

    expect(json.stderr).not.toMatch(/error/i);
    expect(json.code).toBe(0);
    const [report] = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(report).toMatchObject({
      cluster: 'test',
      status: 'ok',
      master: `127.0.0.1:${primary}`,
      isConfirmed: true,
      sentinels: null,
      shards: [
        {
          nodeGroupId: '0001',
          cacheClusterId: 'orders-001',
          endpoint: `127.0.0.1:${primary}`,
          isConfirmed: true,
        },
      ],
      reasons: [],
    });
    expect(new Set(fake.requests.map((r) => r.action))).toEqual(
      new Set(['DescribeReplicationGroups', 'DescribeEvents']),
    );
    expect(fake.requests.every((r) => r.status === 200)).toBe(true);

    const text = await cli(['probe']);
    expect(text.code).toBe(0);
    expect(
      text.stdout
        .split('\n')[1]
        ?.split(/\s{2,}/)
        .slice(0, 4),
    ).toEqual(['test', 'OK', `orders-001 127.0.0.1:${primary}`, '-']);

    const status = await cli(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`orders-001 127.0.0.1:${primary}`);
    expectNoSecret([json.stdout, text.stdout, status.stdout, json.stderr], { password: PASSWORD });
  });

  it('exits 2 on AccessDenied, naming the permission and the principal, sending each call once', async () => {
    const { fake, cli } = await setUp();
    // A denied identity is denied every call: the group and both event reads.
    fake.failNext(3, {
      status: 403,
      code: 'AccessDenied',
      message:
        'User: arn:aws:iam::123456789012:user/ops is not authorized to perform this operation',
    });

    const result = await cli(['probe', '--json']);

    expect(result.code).toBe(2);
    const [report] = JSON.parse(result.stdout) as {
      reasons: { code: string; message: string }[];
    }[];
    expect(report?.reasons).toEqual([
      expect.objectContaining({
        code: 'ACCESS_DENIED',
        severity: 'critical',
        message:
          'ElastiCache DescribeReplicationGroups was denied (AccessDenied): arn:aws:iam::123456789012:user/ops needs IAM permission elasticache:DescribeReplicationGroups',
      }),
    ]);
    expect(fake.requests.filter((r) => r.action === 'DescribeReplicationGroups')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
