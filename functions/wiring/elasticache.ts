// ElastiCache API clients per Region, for both runtimes. The SDK client is loaded on first use
// only, so a deployment or CLI run without an `elasticache` cluster never pays for it. Region,
// credentials and endpoint follow the SDK's standard configuration (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_ELASTICACHE, profiles, ...); `client` overrides them (tests).
import type { AwsClientOptions } from '../adapters/aws/aws-clients';
import type { ElastiCacheApi, ElastiCacheApiFactory } from '../core/elasticache';

export function elastiCacheApis(client: AwsClientOptions = {}): ElastiCacheApiFactory {
  const byRegion = new Map<string, ElastiCacheApi>();
  return (region) => {
    let api = byRegion.get(region);
    if (!api) {
      // Always the cluster's Region: a group is only known to the API of its own Region.
      api = lazyApi({ ...client, region });
      byRegion.set(region, api);
    }
    return api;
  };
}

function lazyApi(client: AwsClientOptions): ElastiCacheApi {
  let loaded: Promise<ElastiCacheApi> | undefined;
  const api = () =>
    (loaded ??= import('../adapters/aws/elasticache-api').then(
      ({ AwsElastiCacheApi }) => new AwsElastiCacheApi({ client }),
    ));
  return {
    describeReplicationGroup: async (id) => (await api()).describeReplicationGroup(id),
    describeEvents: async (id, since) => (await api()).describeEvents(id, since),
    modifyAuthToken: async (id, token, strategy) =>
      (await api()).modifyAuthToken(id, token, strategy),
    describeUser: async (userId) => (await api()).describeUser(userId),
    modifyUserPasswords: async (userId, passwords) =>
      (await api()).modifyUserPasswords(userId, passwords),
    testFailover: async (id, nodeGroupId) => (await api()).testFailover(id, nodeGroupId),
  };
}
