// A loopback fake of SSM Parameter Store's wire protocol (awsJson1_1), in memory: the operations
// SsmParameterStore calls, with versions, SecureString (sealed unless WithDecryption), SSM's
// limits (10 names per GetParameters) and pagination. Records every request and can fail the next
// ones with a chosen error, so the real SDK client (retries included) is what gets tested.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, readBody } from './loopback';

interface Version {
  readonly name: string;
  readonly value: string;
  readonly type: 'String' | 'SecureString';
  readonly keyId: string | undefined;
  readonly version: number;
  readonly modifiedSeconds: number;
}

export interface SsmRequest {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  /** HTTP status the fake answered with. */
  readonly status: number;
}

export interface SsmFault {
  readonly status: number;
  /** SSM error code, e.g. `ThrottlingException`, `InternalServerError`. */
  readonly type: string;
}

class SsmError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class SsmFake {
  readonly requests: SsmRequest[] = [];
  private readonly parameters = new Map<string, Version[]>();
  private readonly faults: SsmFault[] = [];

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    /** Page size of GetParametersByPath / GetParameterHistory when the caller sets none. */
    private readonly pageSize: number,
  ) {}

  /** `pageSize`: small values make every listing span pages (SSM: 10 by path, 50 history). */
  static async start(options: { readonly pageSize?: number } = {}): Promise<SsmFake> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const fake = new SsmFake(server, endpoint, options.pageSize ?? 10);
    server.on('request', (request, response) => void fake.handle(request, response));
    return fake;
  }

  /** The next `times` requests fail with `fault` (then the fake answers normally again). */
  failNext(times: number, fault: SsmFault): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  /** Requests of one operation, in arrival order. */
  requestsOf(operation: string): SsmRequest[] {
    return this.requests.filter((request) => request.operation === operation);
  }

  /** The stored versions of `name` as SSM holds them (KMS key id included). */
  versions(name: string): readonly Version[] {
    return this.parameters.get(name) ?? [];
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.replace(/^AmazonSSM\./, '');
    let input: Record<string, unknown> = {};
    let status = 200;
    let body: unknown;
    try {
      input = JSON.parse(text || '{}') as Record<string, unknown>;
      const fault = this.faults.shift();
      if (fault) throw new SsmError(fault.type, `injected ${fault.type}`, fault.status);
      body = this.operate(operation, input);
    } catch (error) {
      const failure =
        error instanceof SsmError ? error : new SsmError('InternalServerError', String(error), 500);
      status = failure.status;
      body = { __type: failure.type, message: failure.message };
    }
    this.requests.push({ operation, input, status });
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': `fake-${this.requests.length}`,
    });
    response.end(JSON.stringify(body));
  }

  private operate(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'PutParameter':
        return this.put(input);
      case 'GetParameter': {
        const current = this.current(String(input.Name));
        if (!current) throw new SsmError('ParameterNotFound', '');
        return { Parameter: this.describe(current, input.WithDecryption === true) };
      }
      case 'GetParameters': {
        const names = (input.Names ?? []) as string[];
        if (names.length < 1 || names.length > 10) {
          throw new SsmError(
            'ValidationException',
            `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`,
          );
        }
        const found = names.flatMap((name) => this.current(name) ?? []);
        return {
          Parameters: found.map((v) => this.describe(v, input.WithDecryption === true)),
          InvalidParameters: names.filter((name) => !this.parameters.has(name)),
        };
      }
      case 'GetParametersByPath':
        return this.byPath(input);
      case 'GetParameterHistory': {
        const versions = this.parameters.get(String(input.Name));
        if (!versions) throw new SsmError('ParameterNotFound', '');
        return this.page(versions, input, 50, (v) => ({
          ...this.describe(v, input.WithDecryption === true),
          KeyId: v.keyId,
          LastModifiedUser: 'arn:aws:iam::123456789012:user/fake',
        }));
      }
      case 'DeleteParameter':
        if (!this.parameters.delete(String(input.Name))) {
          throw new SsmError('ParameterNotFound', '');
        }
        return {};
      default:
        throw new SsmError('UnknownOperationException', `fake SSM has no ${operation}`);
    }
  }

  private put(input: Record<string, unknown>): unknown {
    const name = String(input.Name ?? '');
    const value = input.Value;
    const type = input.Type ?? 'String';
    if (!name || typeof value !== 'string' || value === '') {
      throw new SsmError('ValidationException', 'Name and a non-empty Value are required');
    }
    if (type !== 'String' && type !== 'SecureString') {
      throw new SsmError('ValidationException', `unsupported Type ${String(type)}`);
    }
    const versions = this.parameters.get(name) ?? [];
    if (versions.length > 0 && input.Overwrite !== true) {
      throw new SsmError('ParameterAlreadyExists', 'The parameter already exists.');
    }
    const version = (versions.at(-1)?.version ?? 0) + 1;
    versions.push({
      name,
      value,
      type,
      keyId: type === 'SecureString' ? String(input.KeyId ?? 'alias/aws/ssm') : undefined,
      version,
      modifiedSeconds: Date.now() / 1000,
    });
    this.parameters.set(name, versions);
    return { Version: version, Tier: 'Standard' };
  }

  private byPath(input: Record<string, unknown>): unknown {
    const path = String(input.Path ?? '');
    if (!path.startsWith('/')) {
      throw new SsmError('ValidationException', 'The parameter path must begin with a slash');
    }
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const matches = [...this.parameters.keys()]
      .filter(
        (name) =>
          name.startsWith(prefix) &&
          (input.Recursive === true || !name.slice(prefix.length).includes('/')),
      )
      .flatMap((name) => this.current(name) ?? []);
    return this.page(matches, input, 10, (v) => this.describe(v, input.WithDecryption === true));
  }

  /** One page of `items` from NextToken (an offset here), as SSM pages its listings. */
  private page(
    items: readonly Version[],
    input: Record<string, unknown>,
    maxResults: number,
    describe: (v: Version) => unknown,
  ): unknown {
    const size = input.MaxResults === undefined ? this.pageSize : Number(input.MaxResults);
    if (size < 1 || size > maxResults) {
      throw new SsmError('ValidationException', `MaxResults must be 1 to ${maxResults}`);
    }
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    const end = start + size;
    return {
      Parameters: items.slice(start, end).map(describe),
      ...(end < items.length ? { NextToken: String(end) } : {}),
    };
  }

  private current(name: string): Version | undefined {
    return this.parameters.get(name)?.at(-1);
  }

  private describe(v: Version, isDecrypted: boolean): Record<string, unknown> {
    return {
      Name: v.name,
      Type: v.type,
      Value:
        v.type === 'SecureString' && !isDecrypted
          ? Buffer.from(`sealed:${v.value}`).toString('base64')
          : v.value,
      Version: v.version,
      LastModifiedDate: v.modifiedSeconds,
      ARN: `arn:aws:ssm:eu-west-1:123456789012:parameter${v.name.startsWith('/') ? '' : '/'}${v.name}`,
      DataType: 'text',
    };
  }
}
