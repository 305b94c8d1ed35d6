// A loopback fake of SNS's wire protocol (awsQuery: form-encoded request, XML response) for
// Publish, with SNS's checks on subjects and message attributes. Records every request and can
// fail the next ones (or all) with a chosen status and code, so the real SDK retries are tested.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, readQueryForm } from './loopback';

export interface SnsAttribute {
  readonly dataType: string;
  readonly stringValue: string | undefined;
}

export interface SnsPublish {
  readonly topicArn: string;
  readonly message: string;
  readonly subject: string | undefined;
  readonly attributes: Readonly<Record<string, SnsAttribute>>;
}

export interface SnsRequest {
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
  /** HTTP status the fake answered with. */
  readonly status: number;
}

export interface SnsFault {
  readonly status: number;
  /** SNS error code, e.g. `InternalError`, `Throttling`, `AuthorizationError`. */
  readonly code: string;
}

class SnsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class SnsFake {
  readonly requests: SnsRequest[] = [];
  /** Messages SNS accepted, in order. */
  readonly published: SnsPublish[] = [];
  private readonly faults: SnsFault[] = [];
  private persistentFault: SnsFault | undefined;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<SnsFake> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const fake = new SnsFake(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (request, response) => void fake.handle(request, response));
    return fake;
  }

  /** The next `times` requests fail with `fault`. */
  failNext(times: number, fault: SnsFault): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  /** Every request fails with `fault` until `failAlways(undefined)`. */
  failAlways(fault: SnsFault | undefined): void {
    this.persistentFault = fault;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const params = await readQueryForm(request);
    const action = params.Action ?? '';
    const requestId = randomUUID();
    let status = 200;
    let xml: string;
    try {
      const fault = this.faults.shift() ?? this.persistentFault;
      if (fault) throw new SnsError(fault.code, `injected ${fault.code}`, fault.status);
      if (action !== 'Publish') {
        throw new SnsError('InvalidAction', `fake SNS has no action ${action}`);
      }
      const messageId = this.publish(params);
      xml =
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">` +
        `<PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
        `</PublishResponse>`;
    } catch (error) {
      const failure =
        error instanceof SnsError ? error : new SnsError('InternalError', String(error), 500);
      status = failure.status;
      xml =
        `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">` +
        `<Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
        `<Code>${failure.code}</Code><Message>${escapeXml(failure.message)}</Message></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`;
    }
    this.requests.push({ action, params, status });
    response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(xml);
  }

  private publish(params: Record<string, string>): string {
    const topicArn = params.TopicArn;
    const message = params.Message;
    if (!topicArn) throw new SnsError('InvalidParameter', 'Invalid parameter: TopicArn');
    if (!message) throw new SnsError('InvalidParameter', 'Invalid parameter: Empty message');
    const subject = params.Subject;
    if (subject !== undefined && (subject.length > 100 || !/^[\x20-\x7e]+$/.test(subject))) {
      throw new SnsError('InvalidParameter', 'Invalid parameter: Subject');
    }
    const attributes: Record<string, SnsAttribute> = {};
    for (let i = 1; params[`MessageAttributes.entry.${i}.Name`] !== undefined; i++) {
      const name = params[`MessageAttributes.entry.${i}.Name`] as string;
      const dataType = params[`MessageAttributes.entry.${i}.Value.DataType`] ?? '';
      const stringValue = params[`MessageAttributes.entry.${i}.Value.StringValue`];
      if (!['String', 'Number', 'Binary', 'String.Array'].includes(dataType)) {
        throw new SnsError(
          'ParameterValueInvalid',
          `The message attribute '${name}' has an invalid message attribute type`,
        );
      }
      if (dataType !== 'Binary' && !stringValue) {
        throw new SnsError(
          'ParameterValueInvalid',
          `The message attribute '${name}' must contain non-empty message attribute value`,
        );
      }
      attributes[name] = { dataType, stringValue };
    }
    this.published.push({ topicArn, message, subject, attributes });
    return randomUUID();
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
