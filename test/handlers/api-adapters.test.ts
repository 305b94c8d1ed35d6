// The API's AWS adapters with aws-sdk-client-mock (exact inputs sent), its inventory view, and
// its middy stack with a real Powertools Logger: JSON lines with the request id as correlation
// id and the cluster on every line.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  LambdaProbeInvoker,
  ProbeFunctionError,
} from '../../functions/adapters/aws/lambda-probe-invoker';
import { SfnRotationStarter } from '../../functions/adapters/aws/sfn-rotation-starter';
import { createApiHandler } from '../../functions/handlers/api/api';
import { awsDeps, parseApiInventory } from '../../functions/handlers/api/aws-deps';
import { apiLogger, withApiMiddleware } from '../../functions/handlers/api/middleware';
import { Harness } from '../support/topology';
import {
  FakeProbeInvoker,
  FakeRotationStarter,
  httpEvent,
  jsonPost,
  lambdaContext,
  startIdempotencyTable,
} from './api-support';

const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:redis-ha-rotation';

describe('SfnRotationStarter', () => {
  const sfn = mockClient(SFNClient);
  afterEach(() => sfn.reset());

  it('starts one execution named by the rotation id with the start input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE}:x`, startDate: new Date() });
    const starter = new SfnRotationStarter({ stateMachineArn: MACHINE, client: new SFNClient({}) });

    const result = await starter.start({
      cluster: 'alpha',
      rotationId: 'rot-1',
      actor: 'arn:aws:iam::1:user/a',
      isForced: false,
      gracePeriodMs: 60_000,
    });

    expect(result).toEqual({ executionArn: `${MACHINE}:x`, isAlreadyStarted: false });
    expect(sfn).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, {
      stateMachineArn: MACHINE,
      name: 'rot-1',
      input:
        '{"cluster":"alpha","rotationId":"rot-1","actor":"arn:aws:iam::1:user/a","isForced":false,"gracePeriodMs":60000}',
    });
  });

  it('reports an execution of the same name as already started, not as a failure', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const starter = new SfnRotationStarter({ stateMachineArn: MACHINE, client: new SFNClient({}) });

    expect(
      await starter.start({ cluster: 'alpha', rotationId: 'rot-1', actor: 'a', isForced: true }),
    ).toEqual({
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:redis-ha-rotation:rot-1',
      isAlreadyStarted: true,
    });
  });

  it('lets any other failure through', async () => {
    sfn.on(StartExecutionCommand).rejects(new Error('throttled'));
    const starter = new SfnRotationStarter({ stateMachineArn: MACHINE, client: new SFNClient({}) });

    await expect(
      starter.start({ cluster: 'alpha', rotationId: 'rot-1', actor: 'a', isForced: true }),
    ).rejects.toThrow('throttled');
  });
});

describe('LambdaProbeInvoker', () => {
  const lambda = mockClient(LambdaClient);
  afterEach(() => lambda.reset());
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  it('invokes the probe function synchronously for one cluster and returns its report', async () => {
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, Payload: encode({ clusters: [] }) as never });
    const invoker = new LambdaProbeInvoker({ functionName: 'probe', client: new LambdaClient({}) });

    expect(await invoker.probe('alpha')).toEqual({ clusters: [] });
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'probe', InvocationType: 'RequestResponse' });
    expect(new TextDecoder().decode(input?.Payload as Uint8Array)).toBe('{"clusters":["alpha"]}');
  });

  it("names the function's error type but not its message", async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: encode({
        errorType: 'TypeError',
        errorMessage: 'password=hunter2 rejected',
      }) as never,
    });
    const invoker = new LambdaProbeInvoker({ functionName: 'probe', client: new LambdaClient({}) });

    const error = await invoker.probe('alpha').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeFunctionError);
    expect((error as Error).message).toContain('Unhandled: TypeError');
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('API inventory view', () => {
  it('reads the cluster names of the validated inventory and ignores the rest', () => {
    expect(
      parseApiInventory(
        JSON.stringify({ probeIntervalSeconds: 10, clusters: [{ name: 'a', sentinels: ['x:1'] }] }),
        'REDIS_HA_INVENTORY',
      ),
    ).toEqual({ clusters: [{ name: 'a' }] });
  });

  it('names the variable and the field when it is wrong', () => {
    expect(() => parseApiInventory('{"clusters":[{"name":""}]}', 'REDIS_HA_INVENTORY')).toThrow(
      'REDIS_HA_INVENTORY: /clusters/0/name: expected a cluster name',
    );
    expect(() => parseApiInventory('{', 'REDIS_HA_INVENTORY')).toThrow(
      /REDIS_HA_INVENTORY: not JSON/,
    );
  });

  it('builds nothing from the environment until a request needs it', async () => {
    const deps = awsDeps(apiLogger(new Logger()), {});

    expect(() => deps.inventory).toThrow(
      'neither REDIS_HA_INVENTORY nor REDIS_HA_INVENTORY_FILE is set',
    );
    await expect(deps.prober.probe('alpha')).rejects.toThrow('PROBE_FUNCTION_NAME is not set');
    await expect(
      deps.starter.start({ cluster: 'a', rotationId: 'r', actor: 'x', isForced: false }),
    ).rejects.toThrow('STATE_MACHINE_ARN is not set');
    await expect(deps.idempotencyStore()).rejects.toThrow('IDEMPOTENCY_TABLE_NAME is not set');
  });
});

describe('API middy stack', () => {
  const harness = new Harness();
  let table: Awaited<ReturnType<typeof startIdempotencyTable>>;
  beforeAll(async () => {
    table = await startIdempotencyTable();
  });
  afterAll(async () => {
    await table.close();
    await harness.cleanup();
  });

  it('logs JSON lines carrying the request id and the cluster of each request', async () => {
    const lines: string[] = [];
    const write = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      });
    const logger = new Logger({ serviceName: 'redis-ha-api' });
    const handler = withApiMiddleware(
      createApiHandler({
        inventory: { clusters: [{ name: 'alpha' }] },
        state: harness.backend().state,
        starter: new FakeRotationStarter(),
        prober: new FakeProbeInvoker(),
        idempotencyStore: async () => table.store(),
        clock: { now: () => new Date() },
        newRotationId: () => 'rot-logged',
        logger: apiLogger(logger),
      }),
      logger,
    );
    try {
      const first = await handler(
        jsonPost('/clusters/alpha/rotations', { force: true }, { 'idempotency-key': 'k-1' }),
        lambdaContext(),
      );
      expect(first.statusCode).toBe(202);
      await handler(httpEvent('GET', '/clusters', { requestId: 'req-list' }), lambdaContext());
    } finally {
      write.mockRestore();
    }

    const records = lines
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.trim().startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const started = records.filter((r) => r.message !== 'request' || r.path !== '/clusters');
    expect(started.length).toBeGreaterThanOrEqual(2);
    for (const record of started) {
      expect(record).toMatchObject({ cluster: 'alpha', service: 'redis-ha-api' });
      expect(record.correlation_id).toMatch(/^req-/);
    }
    // Keys of one request do not leak into the next one.
    expect(records.at(-1)).toMatchObject({ message: 'request', correlation_id: 'req-list' });
    expect(records.at(-1)).not.toHaveProperty('cluster');
  });
});
