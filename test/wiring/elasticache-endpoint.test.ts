// The ElastiCache clients of the wiring follow the AWS SDK's standard configuration with no option
// given: `AWS_ENDPOINT_URL_ELASTICACHE` (before `AWS_ENDPOINT_URL`), credentials from the
// environment, the Region of the cluster. Proven against the loopback ElastiCache fake, the way
// an operator points the CLI or a test deployment at a compatible endpoint.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ElastiCacheGroup } from '../../functions/core/elasticache';
import { elastiCacheApis } from '../../functions/wiring/elasticache';
import { ElastiCacheFake } from '../support/aws-fakes/elasticache-fake';

const GROUP: ElastiCacheGroup = {
  replicationGroupId: 'carts-prod',
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
      primaryEndpoint: { host: 'master.carts-prod.abc123.euw1.cache.amazonaws.com', port: 6379 },
      members: [
        { cacheClusterId: 'carts-prod-001', cacheNodeId: '0001', currentRole: 'primary' },
        { cacheClusterId: 'carts-prod-002', cacheNodeId: '0001', currentRole: 'replica' },
      ],
    },
  ],
};
/** Nothing listens here: a client that dials it fails, so the test sees which URL won. */
const DEAD_ENDPOINT = 'http://127.0.0.1:9';
let fake: ElastiCacheFake;
let saved: NodeJS.ProcessEnv;

beforeAll(async () => {
  fake = await ElastiCacheFake.start();
  fake.groups.set(GROUP.replicationGroupId, GROUP);
});
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => {
  saved = process.env;
  // No AWS_* variable of the machine leaks in. Dummy credentials from the environment; no
  // profile, file or instance metadata is read; one attempt, so the dead endpoint fails at once.
  process.env = {
    ...Object.fromEntries(Object.entries(saved).filter(([name]) => !name.startsWith('AWS_'))),
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_CONFIG_FILE: '/nonexistent/redis-ha-test-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/redis-ha-test-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
  };
  fake.requests.length = 0;
});
afterEach(() => {
  process.env = saved;
});

describe('ElastiCache clients from elastiCacheApis() without options', () => {
  it('call the endpoint AWS_ENDPOINT_URL_ELASTICACHE names, before AWS_ENDPOINT_URL', async () => {
    process.env.AWS_ENDPOINT_URL_ELASTICACHE = fake.endpoint;
    process.env.AWS_ENDPOINT_URL = DEAD_ENDPOINT;

    const group = await elastiCacheApis()('eu-west-1').describeReplicationGroup('carts-prod');

    expect(group.nodeGroups[0]?.members.map((m) => m.currentRole)).toEqual(['primary', 'replica']);
    expect(fake.requests.map((r) => [r.action, r.params.ReplicationGroupId])).toEqual([
      ['DescribeReplicationGroups', 'carts-prod'],
    ]);
  });

  it('call the endpoint AWS_ENDPOINT_URL names when no ElastiCache-specific one is set', async () => {
    process.env.AWS_ENDPOINT_URL = fake.endpoint;

    const group = await elastiCacheApis()('us-east-1').describeReplicationGroup('carts-prod');

    expect(group.status).toBe('available');
    expect(fake.requests).toHaveLength(1);
  });

  it('leave the configured endpoints alone when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is set', async () => {
    process.env.AWS_ENDPOINT_URL_ELASTICACHE = DEAD_ENDPOINT;
    process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = 'true';
    process.env.AWS_ENDPOINT_URL = fake.endpoint;

    // Ignoring both, the client would dial the real regional endpoint: a made-up Region makes
    // that fail offline, and proves neither variable was used.
    await expect(
      elastiCacheApis()('xx-nowhere-1').describeReplicationGroup('carts-prod'),
    ).rejects.toThrow();
    expect(fake.requests).toEqual([]);
  });

  it('keep one client per Region, each reaching the configured endpoint', async () => {
    process.env.AWS_ENDPOINT_URL_ELASTICACHE = fake.endpoint;
    const apis = elastiCacheApis();

    await apis('eu-west-1').describeReplicationGroup('carts-prod');
    await apis('ap-southeast-2').describeReplicationGroup('carts-prod');

    expect(apis('eu-west-1')).toBe(apis('eu-west-1'));
    expect(apis('eu-west-1')).not.toBe(apis('ap-southeast-2'));
    expect(fake.requests).toHaveLength(2);
  });
});
