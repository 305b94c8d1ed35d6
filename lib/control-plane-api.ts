// The control plane's HTTP API: every route behind IAM (SigV4) authorisation, one Lambda
// integration, JSON access logs. The routes are the ones the api handler serves.
import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Method and path of every route. */
export const API_ROUTES = [
  { method: HttpMethod.GET, path: '/clusters' },
  { method: HttpMethod.GET, path: '/clusters/{name}' },
  { method: HttpMethod.POST, path: '/clusters/{name}/probe' },
  { method: HttpMethod.POST, path: '/clusters/{name}/rotations' },
  { method: HttpMethod.GET, path: '/clusters/{name}/rotations/{id}' },
] as const;

/** HTTP API variables only (REST API ones such as $context.resourcePath are rejected). */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    caller: '$context.identity.userArn',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
  }),
);

export interface ControlPlaneApiProps {
  readonly handler: IFunction;
  readonly accessLogs: ILogGroup;
}

export class ControlPlaneApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ControlPlaneApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'redis-ha control plane (IAM-authorised)',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(props.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
      throttle: { rateLimit: 20, burstLimit: 40 },
    });
    const integration = new HttpLambdaIntegration('Handler', props.handler, {
      timeout: Duration.seconds(29),
    });
    for (const route of API_ROUTES)
      this.httpApi.addRoutes({ path: route.path, methods: [route.method], integration });
    // Everything else reaches the handler too (IAM-authorised like the rest), so a wrong method
    // or a mistyped path gets its RFC 9457 problem (405 with Allow, or 404), not API Gateway's
    // bare {"message":"Not Found"}.
    this.httpApi.addRoutes({ path: '/{proxy+}', methods: [HttpMethod.ANY], integration });
  }

  /** Lets `grantee` (a pipeline's role) call every route. */
  grantInvoke(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.httpApi.arnForExecuteApi()],
    });
  }

  /** The API's URL. */
  get url(): string {
    return this.stage.url;
  }
}
