// ElastiCache's own event notifications, delivered to the probe function so that a failover is
// acted on when AWS announces it rather than at the next tick. One topic per replication group
// (a group takes one topic), in the group's Region, NOT KMS-encrypted (ElastiCache marks an
// encrypted topic inactive and stops publishing, silently), publishable by ElastiCache under
// `aws:SourceOwner` (not `aws:SourceAccount`, which it does not send). Or the operator's topics.
// https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ElastiCacheSNS.html
// https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ECEvents.SNS.html
import { Annotations, Stack, Token } from 'aws-cdk-lib';
import { AnyPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { ElastiCacheCluster } from '../functions/core/inventory';

/** How the control plane hears ElastiCache's event notifications. */
export interface ElastiCacheNotificationOptions {
  /**
   * Create a topic for each `elasticache` cluster without an entry in `topicArns`, in the stack's
   * Region (ElastiCache publishes only to a topic in the group's Region: a cluster of another
   * Region gets none, with a synth warning). Attach each to its group yourself (stack output).
   * @default true
   */
  readonly createTopics?: boolean;
  /**
   * Cluster name (the inventory's `name`) -> ARN of a topic you already attached to that group:
   * the probe function subscribes to it and no topic is created for that cluster. It must be in
   * the group's Region, unencrypted, and let ElastiCache publish (`aws:SourceOwner`).
   * @default {}
   */
  readonly topicArns?: Readonly<Record<string, string>>;
}

/** What the notification topics are wired to. */
export interface ElastiCacheNotificationsProps extends ElastiCacheNotificationOptions {
  /** The inventory's `elasticache` clusters. */
  readonly clusters: readonly ElastiCacheCluster[];
  /** Reconciles the cluster a notification names (the probe function). */
  readonly subscriber: IFunction;
}

/** A notification topic of one cluster, created here or given. */
export interface ElastiCacheNotificationTopic {
  readonly cluster: ElastiCacheCluster;
  readonly topic: ITopic;
  /** Created by the construct (attach it to the group); false for a given topic. */
  readonly isCreated: boolean;
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):[A-Za-z0-9_-]{1,256}$/;

/** The notification topics of the inventory's ElastiCache clusters, each feeding `subscriber`. */
export class ElastiCacheNotifications extends Construct {
  /** One entry per cluster that has a topic, in inventory order. */
  readonly topics: readonly ElastiCacheNotificationTopic[];

  constructor(scope: Construct, id: string, props: ElastiCacheNotificationsProps) {
    super(scope, id);
    const given = props.topicArns ?? {};
    checkTopicArns(given, props.clusters);
    const stackRegion = Stack.of(this).region;
    const regions = [...new Set(props.clusters.map((c) => c.region))].sort();
    // ElastiCache publishes only to a topic of the group's own Region: a stack that names no
    // Region cannot check that, whatever the number of Regions.
    const needsGiven = props.clusters.some((c) => given[c.name] === undefined);
    if (Token.isUnresolved(stackRegion) && needsGiven && props.createTopics !== false)
      Annotations.of(this).addWarningV2(
        'redis-ha:elastiCacheTopicRegions',
        `this stack names no Region: a notification topic is created for each elasticache cluster (${regions.join(', ')}), but ElastiCache can use only those in the Region the stack is deployed to (set the stack's env, or give the others with elastiCacheNotifications.topicArns)`,
      );
    const topics: ElastiCacheNotificationTopic[] = [];
    for (const cluster of props.clusters) {
      const arn = given[cluster.name];
      if (arn !== undefined) {
        topics.push({
          cluster,
          topic: Topic.fromTopicArn(this, `Given${cluster.name}`, arn),
          isCreated: false,
        });
        continue;
      }
      if (props.createTopics === false) continue;
      if (!Token.isUnresolved(stackRegion) && stackRegion !== cluster.region) {
        Annotations.of(this).addWarningV2(
          'redis-ha:elastiCacheTopicRegion',
          `cluster ${cluster.name}: its group is in ${cluster.region}, this stack in ${stackRegion}; ElastiCache publishes only to a topic in the group's Region, so none is created (give one with elastiCacheNotifications.topicArns)`,
        );
        continue;
      }
      topics.push({ cluster, topic: this.createTopic(cluster), isCreated: true });
    }
    for (const { topic } of topics) topic.addSubscription(new LambdaSubscription(props.subscriber));
    this.topics = topics;
  }

  private createTopic(cluster: ElastiCacheCluster): Topic {
    const topic = new Topic(this, `Topic${cluster.name}`, {
      displayName: `redis-ha: ElastiCache events of ${cluster.replicationGroupId}`,
      // No masterKey, on purpose: see the top of this file.
      enforceSSL: true,
    });
    // The statement ElastiCache's guide gives: any principal, only on behalf of a resource this
    // account owns. ElastiCache sends aws:SourceOwner; a policy on aws:SourceAccount (the default
    // of a console-made topic) or on its service principal alone is not documented to work.
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ElastiCachePublish',
        principals: [new AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceOwner': Stack.of(this).account } },
      }),
    );
    // Nothing for cdk-nag to acknowledge: AwsSolutions (cdk-nag 3) checks an SNS topic's TLS policy
    // (SNS3, met above) but no longer its encryption. Packs that do (HIPAA, NIST: SNSEncryptedKMS)
    // would need the reason at the top of this file.
    return topic;
  }
}

/** Every given topic names an `elasticache` cluster and sits in that cluster's Region. */
function checkTopicArns(
  topicArns: Readonly<Record<string, string>>,
  clusters: readonly ElastiCacheCluster[],
): void {
  const problems: string[] = [];
  for (const [name, arn] of Object.entries(topicArns)) {
    const where = `elastiCacheNotifications.topicArns.${name}`;
    const cluster = clusters.find((c) => c.name === name);
    if (!cluster) {
      problems.push(
        `${where}: no elasticache cluster of that name in the inventory (${clusters.map((c) => c.name).join(', ') || 'it has none'})`,
      );
      continue;
    }
    if (Token.isUnresolved(arn)) continue;
    const region = TOPIC_ARN.exec(arn)?.[1];
    if (!region) problems.push(`${where}: ${JSON.stringify(arn)} is not an SNS topic ARN`);
    else if (region !== cluster.region)
      problems.push(
        `${where}: the topic is in ${region}, the group ${cluster.replicationGroupId} in ${cluster.region} (ElastiCache publishes only to a topic in the group's Region)`,
      );
  }
  if (problems.length > 0)
    throw new Error(
      `RedisHaControlPlane: invalid ElastiCache notifications:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
}
