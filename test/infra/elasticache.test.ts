// The control plane's ElastiCache side: one unencrypted notification topic per group that
// ElastiCache may publish to (aws:SourceOwner), the probe function subscribed to it, an output
// with the command that attaches it; topics given as props instead; least-privilege ElastiCache
// IAM per function on the inventory's groups and users, in each cluster's Region; cdk-nag clean.
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import {
  actionsOf,
  arnText,
  controlPlaneStack,
  logicalIdOf,
  resourcesOf,
  statementsOfFunction,
  type StatementJson,
} from './control-plane-fixture';

/** A multi-Region inventory: a group with an AUTH token, one with an RBAC user in cluster mode. */
const INVENTORY = `
clusters:
  - name: sessions
    sentinels: ['10.0.1.20:26379']
    masterName: sessions-master
    passwordParameter: /redis/sessions/password
  - name: carts
    kind: elasticache
    replicationGroupId: carts-prod
    region: eu-west-1
    passwordParameter: /redis/carts/auth-token
  - name: checkout.us
    kind: elasticache
    replicationGroupId: checkout-cache
    region: us-east-1
    clusterMode: enabled
    userId: checkout-app
    passwordParameter: /redis/checkout/app-password
`;
const SENTINEL_ONLY =
  'clusters: [{ name: a, sentinels: ["10.0.0.1:26379"], masterName: m, passwordParameter: /r/a }]';
const GIVEN_TOPIC = 'arn:aws:sns:us-east-1:123456789012:ops-elasticache-events';

/** The ElastiCache statements of a function's role, actions and resources as text. */
function elastiCacheGrants(template: ReturnType<typeof controlPlaneStack>['template'], fn: string) {
  const id = logicalIdOf(template, 'AWS::Lambda::Function', fn);
  return statementsOfFunction(template, id)
    .filter((s: StatementJson) => actionsOf(s).some((a) => a.startsWith('elasticache:')))
    .map((s) => ({
      actions: actionsOf(s).sort(),
      resources: (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(arnText).sort(),
    }));
}

const group = (region: string, id: string) =>
  `arn:\${AWS::Partition}:elasticache:${region}:\${AWS::AccountId}:replicationgroup:${id}`;

describe('ElastiCache notification topics', () => {
  const { template } = controlPlaneStack({ inventoryText: INVENTORY });
  const topics = Object.entries(resourcesOf(template, 'AWS::SNS::Topic')).filter(([id]) =>
    id.includes('ElastiCacheNotifications'),
  );

  it('creates one topic per ElastiCache group, without a KMS key', () => {
    expect(topics).toHaveLength(2);
    for (const [, topic] of topics) {
      expect(topic).not.toHaveProperty('KmsMasterKeyId');
      expect(String(topic.DisplayName)).toMatch(/^redis-ha: ElastiCache events of /);
    }
  });

  it('lets ElastiCache publish under aws:SourceOwner of this account, over TLS only', () => {
    for (const [topicId] of topics)
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Sid: 'ElastiCachePublish',
              Effect: 'Allow',
              Principal: { AWS: '*' },
              Action: 'sns:Publish',
              Resource: { Ref: topicId },
              Condition: { StringEquals: { 'aws:SourceOwner': { Ref: 'AWS::AccountId' } } },
            }),
          ]),
        },
      });
    expect(JSON.stringify(resourcesOf(template, 'AWS::SNS::TopicPolicy'))).not.toContain(
      'aws:SourceAccount',
    );
  });

  it('subscribes the probe function to each topic, and lets SNS invoke it from that topic only', () => {
    const probe = logicalIdOf(template, 'AWS::Lambda::Function', 'ProbeFunction');
    for (const [topicId] of topics) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        TopicArn: { Ref: topicId },
        Endpoint: { 'Fn::GetAtt': [probe, 'Arn'] },
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'sns.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [probe, 'Arn'] },
        SourceArn: { Ref: topicId },
      });
    }
  });

  it('outputs each topic ARN with the command that attaches it to its group', () => {
    const carts = template.findOutputs('ElastiCacheTopicCarts');
    expect(Object.values(carts)[0]?.Description).toContain(
      'aws elasticache modify-replication-group --replication-group-id carts-prod --region eu-west-1 --notification-topic-arn',
    );
    expect(Object.keys(template.findOutputs('ElastiCacheTopicCheckoutUs'))).toHaveLength(1);
  });

  it('keeps output ids apart when two cluster names differ only in punctuation', () => {
    const twins = ['a-b', 'a.b']
      .map(
        (name) =>
          `{ name: ${name}, kind: elasticache, replicationGroupId: g${name.replace('.', 'x')}, region: eu-west-1, passwordParameter: /r/${name} }`,
      )
      .join(', ');
    const { template: outputs } = controlPlaneStack({ inventoryText: `clusters: [${twins}]` });
    expect(
      Object.keys(outputs.findOutputs('*')).filter((id) => id.startsWith('ElastiCacheTopic')),
    ).toEqual(['ElastiCacheTopicAB', 'ElastiCacheTopicAB2']);
  });

  it('passes cdk-nag AwsSolutions with these topics, grants and subscriptions', () => {
    const { app } = controlPlaneStack({ inventoryText: INVENTORY });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('subscribes to a topic given for a cluster instead of creating one, in its Region', () => {
    const { template: given } = controlPlaneStack({
      inventoryText: INVENTORY,
      elastiCacheNotifications: { topicArns: { 'checkout.us': GIVEN_TOPIC } },
    });
    const created = Object.keys(resourcesOf(given, 'AWS::SNS::Topic')).filter((id) =>
      id.includes('ElastiCacheNotifications'),
    );
    expect(created).toHaveLength(1);
    given.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: GIVEN_TOPIC,
      Region: 'us-east-1',
    });
    expect(Object.keys(given.findOutputs('ElastiCacheTopicCheckoutUs'))).toEqual([]);
  });

  it('warns that an environment-agnostic stack cannot tell whether ElastiCache can use its topics', () => {
    const { stack, template: agnostic } = controlPlaneStack({ inventoryText: INVENTORY });
    agnostic.resourceCountIs('AWS::SNS::Subscription', 2);
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp(
        'this stack names no Region: a notification topic is created for each elasticache cluster \\(eu-west-1, us-east-1\\)',
      ),
    );
    // Every topic given: nothing for the stack to check, no warning.
    const { stack: given } = controlPlaneStack({
      inventoryText: INVENTORY,
      elastiCacheNotifications: {
        topicArns: Object.fromEntries(
          ['carts', 'checkout.us'].map((name, i) => [
            name,
            `arn:aws:sns:${i === 0 ? 'eu-west-1' : 'us-east-1'}:123456789012:ec-${i}`,
          ]),
        ),
      },
    });
    Annotations.fromStack(given).hasNoWarning('*', Match.stringLikeRegexp('names no Region'));
  });

  it('creates no topic when told not to, and none for a group outside the stack Region', () => {
    const { template: none } = controlPlaneStack({
      inventoryText: INVENTORY,
      elastiCacheNotifications: { createTopics: false },
    });
    none.resourceCountIs('AWS::SNS::Subscription', 0);

    const { stack, template: pinned } = controlPlaneStack({
      inventoryText: INVENTORY,
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    pinned.resourceCountIs('AWS::SNS::Subscription', 1);
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp(
        'cluster checkout.us: its group is in us-east-1, this stack in eu-west-1',
      ),
    );
  });

  it.each([
    [{ nope: GIVEN_TOPIC }, /topicArns\.nope: no elasticache cluster of that name/],
    [{ sessions: GIVEN_TOPIC }, /topicArns\.sessions: no elasticache cluster/],
    [{ carts: 'ops-events' }, /topicArns\.carts: "ops-events" is not an SNS topic ARN/],
    [
      { carts: GIVEN_TOPIC },
      /topicArns\.carts: the topic is in us-east-1, the group carts-prod in eu-west-1/,
    ],
  ])('refuses topicArns %j at synth, naming the prop', (topicArns, message) => {
    expect(() =>
      controlPlaneStack({ inventoryText: INVENTORY, elastiCacheNotifications: { topicArns } }),
    ).toThrow(message);
  });

  it('creates no topic and no subscription for an inventory without ElastiCache', () => {
    const { template: plain } = controlPlaneStack({ inventoryText: SENTINEL_ONLY });
    plain.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(Object.keys(plain.findOutputs('*')).filter((id) => id.includes('ElastiCache'))).toEqual(
      [],
    );
  });
});

describe('ElastiCache IAM', () => {
  const { template } = controlPlaneStack({ inventoryText: INVENTORY });
  const groups = [group('eu-west-1', 'carts-prod'), group('us-east-1', 'checkout-cache')].sort();

  it('lets the probe describe exactly the inventory groups, each in its Region, and read events', () => {
    expect(elastiCacheGrants(template, 'ProbeFunction')).toEqual([
      { actions: ['elasticache:DescribeReplicationGroups'], resources: groups },
      { actions: ['elasticache:DescribeEvents'], resources: ['*'] },
    ]);
  });

  it('lets the rotation modify the groups and the RBAC users, by lower-case user ARN', () => {
    expect(elastiCacheGrants(template, 'RotationFunction')).toEqual([
      {
        actions: ['elasticache:DescribeReplicationGroups', 'elasticache:ModifyReplicationGroup'],
        resources: groups,
      },
      {
        actions: ['elasticache:DescribeUsers', 'elasticache:ModifyUser'],
        resources: [
          'arn:${AWS::Partition}:elasticache:us-east-1:${AWS::AccountId}:user:checkout-app',
        ],
      },
    ]);
  });

  it('gives the api no ElastiCache action (it invokes the probe function)', () => {
    expect(elastiCacheGrants(template, 'ApiFunction')).toEqual([]);
  });

  it('grants no ElastiCache action at all for an inventory without ElastiCache', () => {
    const { template: plain } = controlPlaneStack({ inventoryText: SENTINEL_ONLY });
    expect(JSON.stringify(resourcesOf(plain, 'AWS::IAM::Policy'))).not.toContain('elasticache:');
  });

  it('builds ARNs from the stack partition and account, never a wildcard group', () => {
    for (const fn of ['ProbeFunction', 'RotationFunction'])
      for (const { actions, resources } of elastiCacheGrants(template, fn))
        if (!actions.includes('elasticache:DescribeEvents'))
          for (const arn of resources) expect(arn).not.toContain('*');
  });
});
