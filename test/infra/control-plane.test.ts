// Template assertions for what matters in the control plane: runtime and placement of the
// Lambdas, the probe schedule and its retry policy, overlap, environment, least-privilege
// IAM, encryption, PITR, the API's authorisation, alarms. Bundling is skipped.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import {
  BUNDLING,
  FUNCTION_ENTRIES,
  PROJECT_ROOT,
  REQUIRE_SHIM_BANNER,
} from '../../lib/control-plane-functions';
import { ControlPlaneMetric, METRICS_NAMESPACE } from '../../lib/control-plane-metrics';
import { ControlPlaneInventory } from '../../lib/control-plane-inventory';
import { FunctionEnv } from '../../lib/function-environment';
import { RedisHaControlPlane } from '../../lib/redis-ha-control-plane';
import {
  EXAMPLE_INVENTORY,
  NETWORK,
  actionsOf,
  controlPlaneStack,
  logicalIdOf,
  resourceTexts,
  resourcesOf,
  statementsOfFunction,
} from './control-plane-fixture';

const { template } = controlPlaneStack();

/** Logical id of the one resource of `type` whose id contains `name`. */
const idOf = (type: string, name: string) => logicalIdOf(template, type, name);
const functions = resourcesOf(template, 'AWS::Lambda::Function');
const probeId = idOf('AWS::Lambda::Function', 'ProbeFunction');
const rotationId = idOf('AWS::Lambda::Function', 'RotationFunction');
const apiId = idOf('AWS::Lambda::Function', 'ApiFunction');
const statementsOf = (functionId: string) => statementsOfFunction(template, functionId);
/** `arn:...:parameter/redis/x` written by formatArn: the text after `parameter/`. */
const parameterOf = (text: string) => /:parameter\/([^"]*)/.exec(text)?.[1];

describe('RedisHaControlPlane Lambdas', () => {
  it('runs three functions on Node 24, arm64, in the given subnets and security group', () => {
    expect(Object.keys(functions)).toHaveLength(3);
    for (const fn of Object.values(functions)) {
      expect(fn.Runtime).toBe('nodejs24.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.Handler).toBe('index.handler');
      expect(fn.VpcConfig).toEqual({
        SubnetIds: NETWORK.subnetIds,
        SecurityGroupIds: [NETWORK.securityGroupId],
      });
    }
  });

  it('bundles ESM for node24 with the pinned SDK inside, a require shim and a metafile', () => {
    expect(BUNDLING).toMatchObject({
      target: 'node24',
      minify: true,
      bundleAwsSDK: true,
      externalModules: [],
      metafile: true,
      forceDockerBundling: false,
      banner: REQUIRE_SHIM_BANNER,
    });
    expect(String(BUNDLING.format)).toBe('esm');
    expect(REQUIRE_SHIM_BANNER).not.toContain('"');
  });

  it('bundles each function from its handler entry file', () => {
    for (const entry of Object.values(FUNCTION_ENTRIES))
      expect(existsSync(join(PROJECT_ROOT, entry)), entry).toBe(true);
    expect(FUNCTION_ENTRIES.probe).toBe('functions/handlers/probe/index.ts');
  });

  it('gives the probe 75 s for a 60 s tick and no reserved concurrency, so runs overlap', () => {
    expect(functions[probeId]?.Timeout).toBe(75);
    for (const fn of Object.values(functions))
      expect(fn).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  it('gives the probe 256 MB unless told otherwise', () => {
    expect(functions[probeId]?.MemorySize).toBe(256);
    const bigger = resourcesOf(
      controlPlaneStack({ probeMemorySizeMb: 512 }).template,
      'AWS::Lambda::Function',
    );
    const probe = Object.entries(bigger).find(([id]) => id.includes('ProbeFunction'))?.[1];
    expect(probe?.MemorySize).toBe(512);
  });

  it('probes every minute, never retrying a tick and dropping one older than a minute', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [probeId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      },
    });
  });

  it('drops failed scheduled invocations into the dead-letter queue without a retry', () => {
    const queueId = idOf('AWS::SQS::Queue', 'DeadLetterQueue');
    for (const fnId of [probeId, rotationId])
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fnId },
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
    expect(
      Object.values(resourcesOf(template, 'AWS::Lambda::EventInvokeConfig')).map((c) =>
        JSON.stringify(c.FunctionName),
      ),
    ).not.toContain(JSON.stringify({ Ref: apiId }));
  });

  it('checks hourly for due rotations by invoking the rotation function with action schedule', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: {
        Arn: { 'Fn::GetAtt': [rotationId, 'Arn'] },
        Input: JSON.stringify({ action: 'schedule' }),
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      },
    });
  });

  it('creates no rotation schedule when no cluster has rotation.everyDays', () => {
    const { template: plain } = controlPlaneStack({
      inventoryText:
        'clusters: [{ name: a, sentinels: ["10.0.0.1:26379"], masterName: m, passwordParameter: /r/a }]',
    });
    plain.resourceCountIs('AWS::Scheduler::Schedule', 1);
  });

  it('gives each function the environment its handler reads', () => {
    const names = (id: string) =>
      Object.keys((functions[id]?.Environment as { Variables: object }).Variables).sort();
    const common = [
      FunctionEnv.stateTable,
      FunctionEnv.eventTopic,
      FunctionEnv.kmsKey,
      FunctionEnv.inventory,
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_LOG_LEVEL',
    ];
    expect(names(probeId)).toEqual([...common].sort());
    expect(names(rotationId)).toEqual([...common, FunctionEnv.stateMachine].sort());
    expect(names(apiId)).toEqual(
      [
        ...common,
        FunctionEnv.idempotencyTable,
        FunctionEnv.stateMachine,
        FunctionEnv.probeFunction,
      ].sort(),
    );
    const variables = functions[probeId]?.Environment as { Variables: Record<string, string> };
    expect(variables.Variables.POWERTOOLS_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
    const inventory = JSON.parse(variables.Variables[FunctionEnv.inventory] ?? '{}');
    expect(inventory.clusters.map((c: { name: string }) => c.name)).toEqual([
      'sessions',
      'tokens',
      'carts',
    ]);
    // Defaults are filled in: the Lambdas do not parse the inventory again.
    expect(inventory.clusters[0].timeouts).toEqual({ connectMs: 1000, commandMs: 1000 });
  });

  it('ships an inventory too large for the environment in a layer, with its TLS CA files', () => {
    const clusters = Array.from({ length: 12 }, (_, i) => ({
      name: `c${i}`,
      sentinels: ['10.0.0.1:26379'],
      masterName: 'm',
      passwordParameter: `/redis/c${i}/password`,
      ...(i === 0 && { tls: { caFile: 'examples/redis-ha.example.yaml' } }),
    }));
    const { app, template: large } = controlPlaneStack({
      inventoryText: JSON.stringify({ clusters }),
    });
    large.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    const [layer] = Object.values(large.findResources('AWS::Lambda::LayerVersion'));
    // The layer's asset is staged as cdk.out/asset.<hash>, uploaded as <hash>.zip.
    const s3Key = (layer?.Properties as { Content: { S3Key: string } }).Content.S3Key;
    const assetDir = join(app.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
    const shipped = JSON.parse(readFileSync(join(assetDir, 'redis-ha/inventory.json'), 'utf8'));
    expect(shipped.clusters).toHaveLength(12);
    expect(shipped.clusters[0].tls.caFile).toBe('/opt/redis-ha/ca/c0.pem');
    expect(readFileSync(join(assetDir, 'redis-ha/ca/c0.pem'), 'utf8')).toBe(
      readFileSync(EXAMPLE_INVENTORY, 'utf8'),
    );
    for (const fn of Object.values(resourcesOf(large, 'AWS::Lambda::Function'))) {
      const variables = (fn.Environment as { Variables: Record<string, string> }).Variables;
      expect(variables).not.toHaveProperty(FunctionEnv.inventory);
      expect(variables[FunctionEnv.inventoryFile]).toBe('/opt/redis-ha/inventory.json');
      expect(fn.Layers).toHaveLength(1);
    }
    template.resourceCountIs('AWS::Lambda::LayerVersion', 0);
  });
});

describe('RedisHaControlPlane IAM', () => {
  it('grants Parameter Store actions only on the parameters the inventory names', () => {
    const passwords = [
      'redis/carts/auth-token',
      'redis/sessions/password',
      'redis/tokens/password',
      'redis/tokens/sentinel-password',
    ];
    const inFlight = passwords.flatMap((p) => [`${p}/pending`, `${p}/previous`]);
    const platform = [
      'app/carts/redis',
      'app/redis/connectionString',
      'creatio/redis/sentinel',
      'tyk/redis/addrs',
    ];
    const ssm = (fnId: string) =>
      statementsOf(fnId).filter((s) => actionsOf(s).some((a) => a.startsWith('ssm:')));
    const parametersFor = (fnId: string, action: string) =>
      ssm(fnId)
        .filter((s) => actionsOf(s).includes(action))
        .flatMap(resourceTexts)
        .map(parameterOf)
        .sort();

    for (const fnId of [probeId, rotationId, apiId])
      for (const statement of ssm(fnId))
        for (const text of resourceTexts(statement)) {
          expect(text).not.toMatch(/\*/);
          expect(parameterOf(text), text).toBeDefined();
        }
    expect(ssm(apiId)).toEqual([]);
    // The probe never reads a rotation's in-flight passwords.
    expect(parametersFor(probeId, 'ssm:GetParameters')).toEqual([...passwords, ...platform].sort());
    expect(parametersFor(probeId, 'ssm:PutParameter')).toEqual(platform);
    expect(parametersFor(rotationId, 'ssm:PutParameter')).toEqual(
      [...passwords, ...inFlight, ...platform].sort(),
    );
    // It deletes only its own in-flight copies, never a live password or platform parameter.
    expect(parametersFor(rotationId, 'ssm:DeleteParameter')).toEqual(inFlight);
    for (const fnId of [probeId, rotationId])
      for (const action of ['ssm:GetParameterHistory', 'ssm:GetParametersByPath'])
        expect(parametersFor(fnId, action)).toEqual([]);
  });

  it("lets the api take and release a rotation's lock on the state table, and only read otherwise", () => {
    const tableId = idOf('AWS::DynamoDB::Table', 'State');
    const onStateTable = statementsOf(apiId).filter((s) =>
      JSON.stringify(s.Resource).includes(tableId),
    );
    const writes = onStateTable
      .flatMap(actionsOf)
      .filter((a) => /^dynamodb:(Put|Delete|Update|BatchWrite)/.test(a))
      .sort();
    expect(writes).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem']);
  });

  it('scopes KMS to the control plane key and lets only the api and the schedule start rotations', () => {
    const keyId = idOf('AWS::KMS::Key', 'Key');
    for (const fnId of [probeId, rotationId, apiId])
      for (const statement of statementsOf(fnId).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('kms:')),
      ))
        expect(statement.Resource).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });

    const states = (fnId: string) =>
      statementsOf(fnId)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('states:'))
        .sort();
    expect(states(apiId)).toEqual(['states:StartExecution']);
    expect(states(rotationId)).toEqual(['states:StartExecution']);
    expect(states(probeId)).toEqual([]);

    const invoke = statementsOf(apiId).filter((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    );
    expect(invoke.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [probeId, 'Arn'] }]);
  });
});

describe('RedisHaControlPlane data and events', () => {
  const keyId = idOf('AWS::KMS::Key', 'Key');
  const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };

  it('creates a key with rotation that CloudWatch may use for the alarm topic', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('keeps state in an on-demand, KMS-encrypted table with PITR, pk/sk keys and a TTL in seconds', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
      TimeToLiveSpecification: { AttributeName: 'expiresAtSeconds', Enabled: true },
    });
  });

  it('keeps idempotency records where Powertools expects them, encrypted, with PITR', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('encrypts the event and alarm topics and the dead-letter queue with the key and refuses plain HTTP', () => {
    // The ElastiCache notification topic must stay unencrypted (test/infra/elasticache.test.ts).
    const topics = Object.entries(resourcesOf(template, 'AWS::SNS::Topic')).filter(
      ([id]) => !id.includes('ElastiCacheNotifications'),
    );
    expect(topics).toHaveLength(2);
    for (const [, topic] of topics) expect(topic.KmsMasterKeyId).toEqual(keyArn);
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: keyArn });
    const denyInsecure = Match.objectLike({
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(
      Object.keys(
        template.findResources('AWS::SNS::TopicPolicy', {
          Properties: { PolicyDocument: { Statement: Match.arrayWith([denyInsecure]) } },
        }),
      ),
    ).toHaveLength(3);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([denyInsecure]) },
    });
  });

  it('retains the tables and the key by default', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key'])
      for (const resource of Object.values(template.findResources(type)))
        expect(resource.DeletionPolicy).toBe('Retain');
  });

  it('uses a key and an alarm topic given as props instead of creating them', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const own = new Stack(app, 'Own');
    const encryptionKey = new Key(own, 'TeamKey', { enableKeyRotation: true });
    const alarmTopic = new Topic(own, 'TeamAlarms', { masterKey: encryptionKey });
    new RedisHaControlPlane(own, 'ControlPlane', {
      inventory: ControlPlaneInventory.fromFile(EXAMPLE_INVENTORY),
      ...NETWORK,
      encryptionKey,
      alarmTopic,
    });
    const given = Template.fromStack(own);
    given.resourceCountIs('AWS::KMS::Key', 1);
    // The team's alarm topic, the event topic and the example's ElastiCache notification topic.
    given.resourceCountIs('AWS::SNS::Topic', 3);
    const teamTopic = Object.keys(given.findResources('AWS::SNS::Topic')).find((id) =>
      id.startsWith('TeamAlarms'),
    );
    for (const alarm of Object.values(resourcesOf(given, 'AWS::CloudWatch::Alarm')))
      expect(alarm.AlarmActions).toEqual([{ Ref: teamTopic }]);
  });
});

describe('RedisHaControlPlane API', () => {
  it('serves the five routes and a catch-all for problem answers, all behind IAM (SigV4)', () => {
    const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(
      [
        'ANY /{proxy+}',
        'GET /clusters',
        'GET /clusters/{name}',
        'GET /clusters/{name}/rotations/{id}',
        'POST /clusters/{name}/probe',
        'POST /clusters/{name}/rotations',
      ].sort(),
    );
    for (const route of routes) expect(route.AuthorizationType).toBe('AWS_IAM');
  });

  it('lets a pipeline role call every route and nothing else', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const own = new Stack(app, 'Own');
    const controlPlane = new RedisHaControlPlane(own, 'ControlPlane', {
      inventory: ControlPlaneInventory.fromFile(EXAMPLE_INVENTORY),
      ...NETWORK,
    });
    const pipeline = new Role(own, 'Pipeline', { assumedBy: new AccountRootPrincipal() });
    controlPlane.api.grantInvoke(pipeline);
    const [policy] = Object.values(resourcesOf(Template.fromStack(own), 'AWS::IAM::Policy')).filter(
      (p) => JSON.stringify(p.Roles).includes('Pipeline'),
    );
    const statements = (policy?.PolicyDocument as { Statement: { Action: string }[] }).Statement;
    expect(statements.map((s) => s.Action)).toEqual(['execute-api:Invoke']);
    expect(JSON.stringify(statements[0])).toContain('execute-api');
  });

  it('writes access logs of the default stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('\\$context.requestId'),
      },
    });
  });
});

describe('RedisHaControlPlane alarms', () => {
  const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
  const alarmTopicId = idOf('AWS::SNS::Topic', 'AlarmTopic');
  const custom = (name: string) =>
    alarms.find((a) => a.Namespace === METRICS_NAMESPACE && a.MetricName === name);

  it('alarms on probe errors, critical verdicts, split brain, failed rotations and dead letters', () => {
    expect(
      alarms.find(
        (a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes(probeId),
      ),
    ).toBeDefined();
    for (const name of [
      ControlPlaneMetric.criticalVerdicts,
      ControlPlaneMetric.splitBrain,
      ControlPlaneMetric.rotationsFailed,
    ])
      expect(custom(name), name).toMatchObject({
        Dimensions: [{ Name: 'service', Value: 'redis-ha' }],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        TreatMissingData: 'notBreaching',
      });
    expect(
      alarms.find((a) => a.Namespace === 'AWS/States' && a.MetricName === 'ExecutionsFailed'),
    ).toBeDefined();
    expect(
      alarms.find(
        (a) => a.Namespace === 'AWS/SQS' && a.MetricName === 'ApproximateNumberOfMessagesVisible',
      ),
    ).toBeDefined();
  });

  it('alarms when no probe run completed for three minutes, counting silence as a breach', () => {
    expect(custom(ControlPlaneMetric.probeRuns)).toMatchObject({
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 3,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('notifies the alarm topic when an alarm fires and when it clears', () => {
    expect(alarms).toHaveLength(7);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: alarmTopicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: alarmTopicId }]);
    }
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('RedisHaControlPlane props', () => {
  it('refuses network ids that are not ids, naming each prop', () => {
    expect(() =>
      controlPlaneStack({
        vpcId: 'my-vpc',
        subnetIds: [],
        securityGroupId: 'sg-0123456789abcdef0',
      }),
    ).toThrow(/vpcId: "my-vpc" is not a vpc id\n {2}subnetIds: give at least one subnet id/);
  });
});
