// Test fixtures for the API handler: sample API Gateway HTTP API (payload 2.0) events with IAM
// auth, a Lambda context, fakes of the RotationStarter and ProbeInvoker that record their calls,
// a logger that keeps its lines, and dynalite as the Idempotency table.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo, Server } from 'node:net';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { ApiLogger } from '../../functions/handlers/api/api';
import type { ApiEvent } from '../../functions/handlers/api/http';
import type { ProbeInvoker, RotationStarter, RotationStartInput } from '../../functions/core/ports';

// dynalite ships no types; a local signature avoids an ambient module declaration that could
// clash with another test helper's.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

export const CALLER_ARN = 'arn:aws:iam::123456789012:user/pipeline';

export interface EventOptions {
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly stage?: string;
  readonly requestId?: string;
}

/** A sample HTTP API v2 event as API Gateway sends it after SigV4 (IAM) authorisation. */
export function httpEvent(method: string, path: string, options: EventOptions = {}): ApiEvent {
  const stage = options.stage ?? '$default';
  const rawPath = stage === '$default' ? path : `/${stage}${path}`;
  const requestId = options.requestId ?? `req-${randomUUID()}`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: {
      host: 'abc123.execute-api.eu-west-1.amazonaws.com',
      'user-agent': 'aws-cli/2',
      ...(options.body === undefined ? {} : { 'content-length': String(options.body.length) }),
      ...options.headers,
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: {
        iam: {
          accessKey: 'AKIAEXAMPLE',
          accountId: '123456789012',
          callerId: 'AIDAEXAMPLE',
          cognitoIdentity: null,
          principalOrgId: 'o-example',
          userArn: CALLER_ARN,
          userId: 'AIDAEXAMPLE',
        },
      },
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.10',
        userAgent: 'aws-cli/2',
      },
      requestId,
      routeKey: '$default',
      stage,
      time: '25/Nov/2026:06:00:00 +0000',
      timeEpoch: 1_795_500_000_000,
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: false,
  };
}

export function jsonPost(path: string, body: unknown, headers: Record<string, string> = {}) {
  return httpEvent('POST', path, {
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'redis-ha-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:redis-ha-api',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/redis-ha-api',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 25_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Records every start; fails while `failure` is set. */
export class FakeRotationStarter implements RotationStarter {
  readonly calls: RotationStartInput[] = [];
  failure: Error | undefined;

  async start(input: RotationStartInput) {
    this.calls.push(input);
    if (this.failure) throw this.failure;
    return {
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:rotation:${input.rotationId}`,
      isAlreadyStarted: false,
    };
  }
}

export class FakeProbeInvoker implements ProbeInvoker {
  readonly calls: string[] = [];
  failure: Error | undefined;

  async probe(cluster: string): Promise<unknown> {
    this.calls.push(cluster);
    if (this.failure) throw this.failure;
    return { clusters: [{ cluster, status: 'ok', reasons: [] }] };
  }
}

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

export class RecordingLogger implements ApiLogger {
  readonly lines: LogLine[] = [];
  private keys: Record<string, unknown> = {};
  info(message: string, fields: Record<string, unknown> = {}) {
    this.lines.push({ level: 'info', message, fields: { ...this.keys, ...fields } });
  }
  warn(message: string, fields: Record<string, unknown> = {}) {
    this.lines.push({ level: 'warn', message, fields: { ...this.keys, ...fields } });
  }
  error(message: string, fields: Record<string, unknown> = {}) {
    this.lines.push({ level: 'error', message, fields: { ...this.keys, ...fields } });
  }
  appendKeys(attributes: Record<string, unknown>) {
    this.keys = { ...this.keys, ...attributes };
  }
}

/** dynalite on loopback with an Idempotency table (`id` partition key), as the construct makes. */
export async function startIdempotencyTable(): Promise<{
  readonly store: () => DynamoDBPersistenceLayer;
  readonly client: DynamoDBClient;
  close(): Promise<void>;
}> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const tableName = 'idempotency';
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  return {
    client,
    store: () => new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }),
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
