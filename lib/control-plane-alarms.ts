// Alarms and the dashboard of the control plane: probe errors, critical verdicts, split brain,
// failed rotations, a non-empty dead-letter queue and a missing heartbeat. Every alarm notifies
// the alarm topic when it fires and when it clears.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ControlPlaneMetric, METRICS_NAMESPACE, SERVICE_NAME } from './control-plane-metrics';

/** What the alarms watch. */
export interface ControlPlaneAlarmsProps {
  readonly probeFunction: IFunction;
  readonly rotationFunction: IFunction;
  readonly apiFunction: IFunction;
  readonly rotationStateMachine: IStateMachine;
  readonly deadLetterQueue: IQueue;
  /** Where every alarm sends its notifications. */
  readonly alarmTopic: ITopic;
}

/** One alarm per failure an operator must hear about, and a dashboard showing them. */
export class ControlPlaneAlarms extends Construct {
  /** Every alarm, by purpose. */
  readonly alarms: Readonly<Record<string, Alarm>>;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ControlPlaneAlarmsProps) {
    super(scope, id);
    const minute = Duration.minutes(1);
    const custom = (metricName: ControlPlaneMetric) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Sum',
        period: minute,
      });
    const atLeastOne = (
      name: string,
      metric: IMetric,
      description: string,
      evaluationPeriods = 1,
    ) =>
      new Alarm(this, name, {
        metric,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });

    const alarms: Record<string, Alarm> = {
      probeErrors: atLeastOne(
        'ProbeErrors',
        props.probeFunction.metricErrors({ period: minute, statistic: 'Sum' }),
        'The probe function failed (error or timeout): clusters may be unwatched.',
      ),
      criticalVerdicts: atLeastOne(
        'CriticalVerdicts',
        custom(ControlPlaneMetric.criticalVerdicts),
        'A cluster is critical: no confirmed master, quorum lost or master unreachable.',
      ),
      splitBrain: atLeastOne(
        'SplitBrain',
        custom(ControlPlaneMetric.splitBrain),
        'Sentinels name different masters: parameters are left unchanged until they agree.',
      ),
      rotationsFailed: atLeastOne(
        'RotationsFailed',
        custom(ControlPlaneMetric.rotationsFailed),
        'A password rotation rolled back or needs attention.',
      ),
      rotationExecutionsFailed: atLeastOne(
        'RotationExecutionsFailed',
        props.rotationStateMachine.metricFailed({ period: minute, statistic: 'Sum' }),
        'A rotation execution failed (RolledBack, NotStarted or NeedsAttention): see its history.',
      ),
      deadLetters: atLeastOne(
        'DeadLetters',
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: minute,
          statistic: 'Maximum',
        }),
        'Scheduled invocations failed and were dead-lettered: read the messages, then purge.',
      ),
      noProbe: new Alarm(this, 'NoProbe', {
        metric: custom(ControlPlaneMetric.probeRuns),
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.BREACHING,
        alarmDescription: 'No probe run completed for 3 minutes: the clusters are not watched.',
      }),
    };
    const action = new SnsAction(props.alarmTopic);
    for (const alarm of Object.values(alarms)) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      widgets: [
        [new AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(alarms), width: 24 })],
        [
          new GraphWidget({
            title: 'Probe runs and verdicts',
            left: [
              custom(ControlPlaneMetric.probeRuns),
              custom(ControlPlaneMetric.criticalVerdicts),
              custom(ControlPlaneMetric.splitBrain),
            ],
            width: 12,
          }),
          new GraphWidget({
            title: 'Function errors',
            left: [props.probeFunction, props.rotationFunction, props.apiFunction].map((fn) =>
              fn.metricErrors({ period: minute, statistic: 'Sum' }),
            ),
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Probe duration (ms)',
            left: [props.probeFunction.metricDuration({ period: minute, statistic: 'Maximum' })],
            width: 8,
          }),
          new GraphWidget({
            title: 'Rotations',
            left: [
              props.rotationStateMachine.metricStarted({ period: minute }),
              props.rotationStateMachine.metricSucceeded({ period: minute }),
              props.rotationStateMachine.metricFailed({ period: minute }),
              custom(ControlPlaneMetric.rotationsFailed),
            ],
            width: 8,
          }),
          new GraphWidget({
            title: 'Dead letters',
            left: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible()],
            width: 8,
          }),
        ],
      ],
    });
  }
}
