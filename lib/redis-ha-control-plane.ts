// The redis-ha control plane as one L3 construct: scheduled probe/watch Lambda, the rotation
// state machine, the IAM-authorised HTTP API, DynamoDB state, SNS events, alarms, dashboard, and
// the ElastiCache notification topics that feed the probe function.
// Infrastructure only: handler code is bundled from its entry files, never imported.
import { ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, type IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke as ScheduleLambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import {
  DefinitionBody,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { isElastiCache } from '../functions/core/inventory';
import { ControlPlaneAlarms } from './control-plane-alarms';
import { ControlPlaneApi } from './control-plane-api';
import { controlPlaneFunction } from './control-plane-functions';
import { grantControlPlaneAccess } from './control-plane-access';
import type { ControlPlaneInventory } from './control-plane-inventory';
import { METRICS_NAMESPACE, SERVICE_NAME } from './control-plane-metrics';
import { acknowledgeFindings } from './control-plane-nag';
import { importNetwork, type NetworkIds } from './control-plane-network';
import { ControlPlaneTables } from './control-plane-tables';
import {
  ElastiCacheNotifications,
  type ElastiCacheNotificationOptions,
} from './elasticache-notifications';
import { FunctionEnv, inventoryDelivery } from './function-environment';
import type { ProbeTickInput } from './probe-contract';
import type { RotationScheduleInput } from './rotation-contract';
import { rotationDefinition } from './rotation-state-machine';

/** Properties of {@link RedisHaControlPlane}. */
export interface RedisHaControlPlaneProps extends NetworkIds {
  /**
   * The validated inventory (`ControlPlaneInventory.fromFile`): clusters to watch and the
   * parameters that follow each master. Required.
   */
  readonly inventory: ControlPlaneInventory;
  /** Id of the VPC from which the sentinels and data nodes are reachable (no lookup). */
  readonly vpcId: string;
  /**
   * Ids of the private subnets the Lambdas run in: they need a route to the sentinels and to
   * SSM, SNS, DynamoDB, Step Functions and Lambda (a NAT gateway or VPC endpoints).
   */
  readonly subnetIds: readonly string[];
  /** Id of the security group the Lambdas use: egress to the sentinels and data nodes. */
  readonly securityGroupId: string;
  /**
   * When the probe/watch function runs; each run watches until shortly before the next.
   * @default ScheduleExpression.rate(Duration.minutes(1))
   */
  readonly probeSchedule?: ScheduleExpression;
  /**
   * When the rotation function looks for clusters whose `rotation.everyDays` is due (only
   * created when a cluster has one).
   * @default ScheduleExpression.rate(Duration.hours(1))
   */
  readonly rotationCheckSchedule?: ScheduleExpression;
  /**
   * KMS key for SecureString parameters, the tables, the topics and the dead-letter queue. A
   * given key must let `cloudwatch.amazonaws.com` use it (alarm notifications).
   * @default a new key with yearly rotation enabled
   */
  readonly encryptionKey?: IKey;
  /**
   * Topic the alarms notify.
   * @default a new topic encrypted with the key, TLS only
   */
  readonly alarmTopic?: ITopic;
  /**
   * ElastiCache's own event notifications, which the probe function acts on at once (a failover
   * when AWS announces it, not at the next tick): topics created here (attach each to its group,
   * see the `ElastiCacheTopic...` stack outputs) and/or topics you already attached.
   * @default a topic for every `elasticache` cluster of the inventory in the stack's Region
   */
  readonly elastiCacheNotifications?: ElastiCacheNotificationOptions;
  /**
   * Memory of the probe/watch function, which is also its share of CPU. Raise it for about 100
   * clusters or more (README, "What it costs").
   * @default 256
   */
  readonly probeMemorySizeMb?: number;
  /**
   * Retention of the functions', the API's and the state machine's logs.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the tables, the key and the logs when the construct is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The redis-ha control plane: probe/watch, events, rotation and the API for one inventory. */
export class RedisHaControlPlane extends Construct {
  /** The key of the SecureStrings, tables, topics and dead letters (given or created). */
  readonly encryptionKey: IKey;
  /** redis-ha events (CloudEvents; attributes `type`, `cluster`, `severity`). */
  readonly eventTopic: Topic;
  /** Where the alarms notify (given or created). */
  readonly alarmTopic: ITopic;
  /** The state table and the idempotency table. */
  readonly tables: ControlPlaneTables;
  /** Scheduled every minute: probes every cluster, then watches until the next tick. */
  readonly probeFunction: NodejsFunction;
  /** Runs one rotation phase per task; starts the rotations that are due. */
  readonly rotationFunction: NodejsFunction;
  /** Serves the HTTP API. */
  readonly apiFunction: NodejsFunction;
  /** The rotation, one state per phase (lib/rotation-state-machine.ts). */
  readonly rotationStateMachine: StateMachine;
  /** The IAM-authorised HTTP API; `api.grantInvoke(role)` lets a pipeline call it. */
  readonly api: ControlPlaneApi;
  /** The alarms and the dashboard. */
  readonly alarms: ControlPlaneAlarms;
  /** ElastiCache notification topics feeding the probe function (none without such clusters). */
  readonly elastiCacheNotifications?: ElastiCacheNotifications;

  constructor(scope: Construct, id: string, props: RedisHaControlPlaneProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.logRetention ?? RetentionDays.THREE_MONTHS;
    const inventory = props.inventory.inventory;

    const key =
      props.encryptionKey ??
      new Key(this, 'Key', {
        description: 'redis-ha: SecureString parameters, state tables, topics, dead letters',
        enableKeyRotation: true,
        removalPolicy,
      });
    if (key instanceof Key) {
      // CloudWatch alarm actions publish to the KMS-encrypted alarm topic.
      key.addToResourcePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          resources: ['*'],
        }),
      );
    }
    this.encryptionKey = key;

    this.eventTopic = new Topic(this, 'EventTopic', {
      displayName: 'redis-ha events',
      masterKey: key,
      enforceSSL: true,
    });
    this.alarmTopic =
      props.alarmTopic ??
      new Topic(this, 'AlarmTopic', {
        displayName: 'redis-ha alarms',
        masterKey: key,
        enforceSSL: true,
      });
    this.tables = new ControlPlaneTables(this, 'Tables', { encryptionKey: key, removalPolicy });

    const deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const network = importNetwork(this, props);
    const delivery = inventoryDelivery(this, props.inventory);
    const common = {
      [FunctionEnv.stateTable]: this.tables.stateTable.tableName,
      [FunctionEnv.eventTopic]: this.eventTopic.topicArn,
      [FunctionEnv.kmsKey]: key.keyArn,
      ...delivery.environment,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    const fn = (
      name: 'probe' | 'rotation' | 'api',
      id: string,
      options: {
        description: string;
        timeout: Duration;
        memorySizeMb: number;
        environment?: Record<string, string>;
        isScheduled: boolean;
      },
    ) =>
      controlPlaneFunction(this, id, {
        name,
        description: options.description,
        timeout: options.timeout,
        memorySizeMb: options.memorySizeMb,
        environment: { ...common, ...options.environment },
        ...network,
        layers: delivery.layers,
        logGroup: new LogGroup(this, `${id}Logs`, { retention, removalPolicy }),
        ...(options.isScheduled && { onAsyncFailure: new SqsDestination(deadLetterQueue) }),
      });

    // 75 s for a 60 s tick: a run watches until 5 s before its deadline, so consecutive runs
    // overlap by about 10 s (a late tick or a cold start still leaves no blind window); the
    // conditional writes decide which run acts. No reserved concurrency, on purpose.
    this.probeFunction = fn('probe', 'ProbeFunction', {
      description: 'redis-ha: probe every cluster, then watch the sentinels until the next tick',
      timeout: Duration.seconds(75),
      memorySizeMb: props.probeMemorySizeMb ?? 256,
      isScheduled: true,
    });

    // A literal name lets the rotation function start executions (its `schedule` action)
    // without a reference cycle: the machine's definition already refers to the function.
    const stateMachineName = `${Names.uniqueResourceName(this, { maxLength: 70, separator: '-' })}-rotation`;
    const stateMachineArn = Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.rotationFunction = fn('rotation', 'RotationFunction', {
      description: 'redis-ha: run one rotation phase; start the rotations that are due',
      timeout: Duration.minutes(2),
      memorySizeMb: 256,
      environment: { [FunctionEnv.stateMachine]: stateMachineArn },
      isScheduled: true,
    });
    this.rotationStateMachine = new StateMachine(this, 'RotationStateMachine', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(rotationDefinition(this, this.rotationFunction)),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'RotationStateMachineLogs', { retention, removalPolicy }),
        level: LogLevel.ALL,
        includeExecutionData: false,
      },
    });

    this.apiFunction = fn('api', 'ApiFunction', {
      description: 'redis-ha: the HTTP API (clusters, verdicts, probes, rotations)',
      // API Gateway gives up after 30 s; a synchronous probe answers well within it.
      timeout: Duration.seconds(25),
      memorySizeMb: 512,
      isScheduled: false,
      environment: {
        [FunctionEnv.idempotencyTable]: this.tables.idempotencyTable.tableName,
        [FunctionEnv.stateMachine]: this.rotationStateMachine.stateMachineArn,
        [FunctionEnv.probeFunction]: this.probeFunction.functionName,
      },
    });
    this.api = new ControlPlaneApi(this, 'Api', {
      handler: this.apiFunction,
      accessLogs: new LogGroup(this, 'ApiAccessLogs', { retention, removalPolicy }),
    });

    const elastiCacheClusters = inventory.clusters.filter(isElastiCache);
    if (
      elastiCacheClusters.length > 0 ||
      Object.keys(props.elastiCacheNotifications?.topicArns ?? {}).length > 0
    )
      this.elastiCacheNotifications = new ElastiCacheNotifications(
        this,
        'ElastiCacheNotifications',
        {
          ...props.elastiCacheNotifications,
          clusters: elastiCacheClusters,
          subscriber: this.probeFunction,
        },
      );

    grantControlPlaneAccess({
      inventory,
      probe: this.probeFunction,
      rotation: this.rotationFunction,
      api: this.apiFunction,
      key,
      stateTable: this.tables.stateTable,
      idempotencyTable: this.tables.idempotencyTable,
      eventTopic: this.eventTopic,
      stateMachineArn,
    });

    const probeScheduleRole = schedulerRole(this, 'ProbeScheduleRole');
    new Schedule(this, 'ProbeSchedule', {
      description: 'redis-ha: probe and watch every cluster',
      schedule: props.probeSchedule ?? ScheduleExpression.rate(Duration.minutes(1)),
      target: new ScheduleLambdaInvoke(this.probeFunction, {
        role: probeScheduleRole,
        // A late tick is useless: the next one is a minute away. Drop it, never queue it.
        retryAttempts: 0,
        maxEventAge: Duration.seconds(60),
        input: ScheduleTargetInput.fromObject({
          kind: 'tick',
          scheduledTime: ContextAttribute.scheduledTime,
          executionId: ContextAttribute.executionId,
        } satisfies ProbeTickInput),
      }),
    });
    const invokerRoles = [
      { role: this.rotationStateMachine.role, target: this.rotationFunction },
      { role: probeScheduleRole, target: this.probeFunction },
    ];
    if (inventory.clusters.some((cluster) => cluster.rotation.everyDays !== undefined)) {
      const rotationScheduleRole = schedulerRole(this, 'RotationCheckScheduleRole');
      invokerRoles.push({ role: rotationScheduleRole, target: this.rotationFunction });
      new Schedule(this, 'RotationCheckSchedule', {
        description: 'redis-ha: start the password rotations the inventory says are due',
        schedule: props.rotationCheckSchedule ?? ScheduleExpression.rate(Duration.hours(1)),
        target: new ScheduleLambdaInvoke(this.rotationFunction, {
          role: rotationScheduleRole,
          retryAttempts: 0,
          maxEventAge: Duration.seconds(60),
          input: ScheduleTargetInput.fromObject({
            action: 'schedule',
          } satisfies RotationScheduleInput),
        }),
      });
    }

    this.alarms = new ControlPlaneAlarms(this, 'Alarms', {
      probeFunction: this.probeFunction,
      rotationFunction: this.rotationFunction,
      apiFunction: this.apiFunction,
      rotationStateMachine: this.rotationStateMachine,
      deadLetterQueue,
      alarmTopic: this.alarmTopic,
    });
    acknowledgeFindings({
      functions: [this.probeFunction, this.rotationFunction, this.apiFunction],
      invokerRoles,
      stateMachineRole: this.rotationStateMachine.role,
      deadLetterQueue,
    });
  }
}

/** A role EventBridge Scheduler assumes to invoke a function (only from this account). */
function schedulerRole(scope: Construct, id: string): Role {
  return new Role(scope, id, {
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  });
}
