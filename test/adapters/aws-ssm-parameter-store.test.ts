// SsmParameterStore: the exact SSM inputs it sends (aws-sdk-client-mock), and the SDK's own
// retries against a loopback fake of SSM (mocks stub `send`, so they never run the retrier).
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SsmParameterStore } from '../../functions/adapters/aws/ssm-parameter-store';
import { loopbackClient } from '../support/aws-fakes/loopback';
import { SsmFake } from '../support/aws-fakes/ssm-fake';

const KEY = 'alias/redis-ha';
const SECRET = 'Ssm-Secret-9a8b7c6d5e4f';
const modified = new Date('2026-11-25T06:00:00.000Z');

describe('SsmParameterStore inputs', () => {
  // One mocked instance, not the class: the loopback tests below need the real `send`.
  const client = new SSMClient({ region: 'eu-west-1' });
  const ssm = mockClient(client);
  const store = () => new SsmParameterStore({ kmsKeyId: KEY, ssm: client });
  beforeEach(() => ssm.reset());

  it('writes a secure value as a SecureString under the KMS key, overwriting', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 4 });

    expect(await store().put('/c/password', SECRET, { isSecure: true })).toBe(4);

    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/c/password',
      Value: SECRET,
      Type: 'SecureString',
      KeyId: KEY,
      Overwrite: true,
    });
  });

  it('writes a plain value as a String with no key', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });

    await store().put('/c/app/addr', '10.0.0.2:6379', { isSecure: false });

    expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/c/app/addr',
      Value: '10.0.0.2:6379',
      Type: 'String',
      Overwrite: true,
    });
  });

  it('reads with decryption and maps the parameter; a missing one is undefined', async () => {
    ssm
      .on(GetParameterCommand, { Name: '/c/password' })
      .resolves({
        Parameter: {
          Name: '/c/password',
          Type: 'SecureString',
          Value: SECRET,
          Version: 3,
          LastModifiedDate: modified,
        },
      })
      .on(GetParameterCommand, { Name: '/c/missing' })
      .rejects(new ParameterNotFound({ message: '', $metadata: {} }));

    expect(await store().get('/c/password')).toEqual({
      name: '/c/password',
      value: SECRET,
      isSecure: true,
      version: 3,
      updatedAt: modified.toISOString(),
    });
    expect(await store().get('/c/missing')).toBeUndefined();
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: '/c/password',
      WithDecryption: true,
    });
  });

  it('reads many names in batches of at most ten, each name once, with decryption', async () => {
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.filter((n) => !n.endsWith('missing')).map((Name) => ({
        Name,
        Type: 'String',
        Value: `value of ${Name}`,
        Version: 1,
        LastModifiedDate: modified,
      })),
      InvalidParameters: input.Names.filter((n) => n.endsWith('missing')),
    }));
    const names = Array.from({ length: 23 }, (_, i) => `/c/p${i}`);

    const found = await store().getMany([...names, '/c/p0', '/c/missing']);

    const batches = ssm.commandCalls(GetParametersCommand).map((call) => call.args[0].input);
    expect(batches.map((b) => b.Names?.length)).toEqual([10, 10, 4]);
    expect(batches.every((b) => b.WithDecryption === true)).toBe(true);
    expect(batches.flatMap((b) => b.Names).sort()).toEqual([...names, '/c/missing'].sort());
    expect(found.size).toBe(23);
    expect(found.get('/c/p22')?.value).toBe('value of /c/p22');
  });

  it('lists a path with decryption, following NextToken, sorted by name', async () => {
    const parameter = (Name: string) => ({ Name, Type: 'String' as const, Value: 'v', Version: 1 });
    const pages = [
      { Parameters: [parameter('/a/z')], NextToken: 'page-2' },
      { Parameters: [parameter('/a/b/c')] },
    ];
    // The paginator reuses one input object: copy each as it is sent.
    const sent: object[] = [];
    ssm.on(GetParametersByPathCommand).callsFake((input: object) => {
      sent.push({ ...input });
      return pages.shift();
    });

    const listed = await store().list('/a', { recursive: true });

    expect(listed.map((p) => p.name)).toEqual(['/a/b/c', '/a/z']);
    expect(sent).toEqual([
      { Path: '/a', Recursive: true, WithDecryption: true },
      { Path: '/a', Recursive: true, WithDecryption: true, NextToken: 'page-2' },
    ]);
  });

  it('refuses a path that does not start with a slash, without calling SSM', async () => {
    await expect(store().list('a/b', { recursive: false })).rejects.toMatchObject({
      code: 'BAD_PARAMETER_PATH',
    });
    expect(ssm).not.toHaveReceivedAnyCommand();
  });

  it('reads every page of the history, oldest first', async () => {
    const version = (Version: number) => ({
      Name: '/c/h',
      Type: 'String' as const,
      Value: `v${Version}`,
      Version,
    });
    ssm
      .on(GetParameterHistoryCommand)
      .resolvesOnce({ Parameters: [version(1), version(2)], NextToken: 't' })
      .resolvesOnce({ Parameters: [version(3)] });

    expect((await store().history('/c/h')).map((p) => p.value)).toEqual(['v1', 'v2', 'v3']);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterHistoryCommand, 2);
    expect(ssm).toHaveReceivedCommandWith(GetParameterHistoryCommand, {
      Name: '/c/h',
      WithDecryption: true,
    });
  });

  it('deletes idempotently but reports any other failure with the name', async () => {
    ssm
      .on(DeleteParameterCommand, { Name: '/c/gone' })
      .rejects(new ParameterNotFound({ message: '', $metadata: {} }))
      .on(DeleteParameterCommand, { Name: '/c/denied' })
      .rejects(
        new SSMServiceException({
          name: 'AccessDeniedException',
          $fault: 'client',
          message: 'not authorized to perform ssm:DeleteParameter',
          $metadata: { httpStatusCode: 400 },
        }),
      );

    await store().delete('/c/gone');
    await expect(store().delete('/c/denied')).rejects.toMatchObject({
      code: 'AWS_SSM_FAILED',
      errorName: 'AccessDeniedException',
      message: expect.stringContaining('/c/denied'),
    });
  });

  it('never puts a value into the error of a failed write, nor chains the raw error', async () => {
    ssm.on(PutParameterCommand).rejects(
      new SSMServiceException({
        name: 'ValidationException',
        $fault: 'client',
        message: `Value ${SECRET} failed to satisfy constraint`,
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = (await store()
      .put('/c/password', SECRET, { isSecure: true })
      .catch((e: unknown) => e)) as Error;

    expect(error.message).toContain('/c/password');
    expect(error.message).toContain('ValidationException');
    expect(error.message).not.toContain(SECRET);
    expect(error.cause).toBeUndefined();
  });

  it('needs a KMS key', () => {
    expect(() => new SsmParameterStore({ kmsKeyId: '' })).toThrow(/kmsKeyId/);
  });
});

describe('SsmParameterStore through the SDK retrier (loopback SSM)', () => {
  let fake: SsmFake;
  beforeEach(async () => {
    fake = await SsmFake.start();
  });
  afterEach(() => fake.stop());

  it('retries a throttled write and then succeeds, writing one version', async () => {
    const store = new SsmParameterStore({ kmsKeyId: KEY, client: loopbackClient(fake.endpoint) });
    fake.failNext(1, { status: 400, type: 'ThrottlingException' });

    expect(await store.put('/c/password', SECRET, { isSecure: true })).toBe(1);

    expect(fake.requestsOf('PutParameter').map((r) => r.status)).toEqual([400, 200]);
    expect(fake.versions('/c/password')).toMatchObject([{ type: 'SecureString', keyId: KEY }]);
  });

  it('retries a 500 on a read', async () => {
    const store = new SsmParameterStore({ kmsKeyId: KEY, client: loopbackClient(fake.endpoint) });
    await store.put('/c/a', 'one', { isSecure: false });
    fake.failNext(1, { status: 500, type: 'InternalServerError' });

    expect((await store.getMany(['/c/a'])).get('/c/a')?.value).toBe('one');
    expect(fake.requestsOf('GetParameters').map((r) => r.status)).toEqual([500, 200]);
  });

  it('gives up after its attempts and rejects with the service error', async () => {
    const store = new SsmParameterStore({
      kmsKeyId: KEY,
      client: loopbackClient(fake.endpoint, 3),
    });
    fake.failNext(10, { status: 400, type: 'ThrottlingException' });

    await expect(store.get('/c/a')).rejects.toMatchObject({
      code: 'AWS_SSM_FAILED',
      errorName: 'ThrottlingException',
    });
    expect(fake.requestsOf('GetParameter')).toHaveLength(3);
  });

  it('does not retry a missing parameter', async () => {
    const store = new SsmParameterStore({ kmsKeyId: KEY, client: loopbackClient(fake.endpoint) });

    expect(await store.get('/c/missing')).toBeUndefined();
    expect(fake.requestsOf('GetParameter')).toHaveLength(1);
  });

  it('sends GetParameters at most ten names at a time, as SSM requires', async () => {
    const store = new SsmParameterStore({ kmsKeyId: KEY, client: loopbackClient(fake.endpoint) });
    const names = Array.from({ length: 21 }, (_, i) => `/c/p${i}`);
    for (const name of names) await store.put(name, name, { isSecure: false });

    expect((await store.getMany(names)).size).toBe(21);
    const sizes = fake.requestsOf('GetParameters').map((r) => (r.input.Names as string[]).length);
    expect(sizes).toEqual([10, 10, 1]);
  });
});
