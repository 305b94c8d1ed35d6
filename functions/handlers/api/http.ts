// HTTP plumbing of the API on API Gateway HTTP API (payload format 2.0): reading headers, the
// caller, the path without its stage, a JSON body; writing JSON and problem+json responses.
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import {
  buildProblem,
  PROBLEM_CONTENT_TYPE,
  ProblemKind,
  type ProblemInput,
} from '../../core/problem';

export type ApiEvent = APIGatewayProxyEventV2WithIAMAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** A request that ends in a problem response; thrown by route code, answered by the handler. */
export class HttpProblem extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extra: Pick<ProblemInput, 'errors' | 'position'> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

const NO_STORE = { 'cache-control': 'no-store' };

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...NO_STORE, ...headers },
    body: JSON.stringify(body),
  };
}

export function problemResponse(
  problem: HttpProblem,
  context: { readonly instance: string; readonly requestId: string },
): ApiResult {
  const body = buildProblem(problem.kind, {
    detail: problem.detail,
    instance: context.instance,
    requestId: context.requestId,
    ...problem.extra,
  });
  return {
    statusCode: body.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...NO_STORE, ...problem.headers },
    body: JSON.stringify(body),
  };
}

/** A request header, whatever its case (HTTP API lowercases them; tests and proxies may not). */
export function header(event: ApiEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {}))
    if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** `/prod` for a named stage, `` for `$default` (whose paths have no prefix). */
export function stagePrefix(event: ApiEvent): string {
  const stage = event.requestContext.stage;
  return stage && stage !== '$default' && event.rawPath.startsWith(`/${stage}/`) ? `/${stage}` : '';
}

/** The request path without the stage prefix. */
export function routePath(event: ApiEvent): string {
  return event.rawPath.slice(stagePrefix(event).length) || '/';
}

/** Who called: the IAM principal API Gateway authorised (SigV4). */
export function actorOf(event: ApiEvent): string {
  const iam = event.requestContext.authorizer?.iam;
  return iam?.userArn || iam?.callerId || 'unknown-caller';
}

/** `application/json` or any `application/*+json`, parameters (charset) ignored. */
function isJsonMediaType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[\w.-]+\+json$/.test(type);
}

/**
 * The request's JSON body; `undefined` when there is none. A body of another media type is a
 * 415, unparsable JSON a 400 naming the parser's complaint and, when it said, the offset.
 */
export function readJsonBody(event: ApiEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  if (!isJsonMediaType(header(event, 'content-type')))
    throw new HttpProblem(
      ProblemKind.unsupportedMediaType,
      `the request body must be application/json (got ${header(event, 'content-type') ? JSON.stringify(header(event, 'content-type')) : 'no Content-Type'})`,
      {},
      { 'accept-post': 'application/json' },
    );
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message)?.[1];
    throw new HttpProblem(
      ProblemKind.malformedJson,
      `the request body is not valid JSON: ${message}`,
      position === undefined ? {} : { position: Number(position) },
    );
  }
}

/**
 * The Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header): an sf-string, so it may
 * come quoted; 1-255 visible ASCII characters. `undefined` when absent.
 */
export function idempotencyKeyOf(event: ApiEvent): string | undefined {
  const raw = header(event, 'idempotency-key');
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  const key = /^"(.*)"$/.exec(trimmed)?.[1] ?? trimmed;
  if (!/^[\x21-\x7e]{1,255}$/.test(key))
    throw new HttpProblem(
      ProblemKind.badRequest,
      'the Idempotency-Key header must hold 1 to 255 visible ASCII characters',
    );
  return key;
}
