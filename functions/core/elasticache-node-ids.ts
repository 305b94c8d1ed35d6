// Which replication group an ElastiCache cache cluster (node) id belongs to. ElastiCache names a
// group's nodes `<group>-NNN`, or `<group>-NNNN-NNN` with cluster mode enabled (shard, then node):
// https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Replication.Redis.Groups.html
// Pure: no I/O.

const MEMBER_SUFFIX = /^(?:\d{4}-)?\d{3}$/;

/** `orders-002` and `orders-0001-002` are members of `orders`; `orders-eu-002` is not. */
export function isMemberOf(cacheClusterId: string, replicationGroupId: string): boolean {
  const prefix = `${replicationGroupId}-`;
  return (
    cacheClusterId.startsWith(prefix) && MEMBER_SUFFIX.test(cacheClusterId.slice(prefix.length))
  );
}

/** `id` is the replication group itself or one of its nodes. */
export function namesGroup(id: string, replicationGroupId: string): boolean {
  return id === replicationGroupId || isMemberOf(id, replicationGroupId);
}
