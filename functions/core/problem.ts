// RFC 9457 problem details: the one shape every error of the HTTP API takes. Pure: it builds
// plain objects; the handler serialises them as `application/problem+json`. A detail names what
// was wrong and where, never a secret, a stack trace or an internal error message.

/** The media type of every error body (RFC 9457 §3). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The kinds of problem the API reports, with their status and title. The `type` URIs are tag URIs
 * (RFC 4151): stable identifiers, not links, as RFC 9457 §3.1.1 allows.
 */
export const ProblemKind = {
  badRequest: { slug: 'bad-request', status: 400, title: 'Bad request' },
  malformedJson: { slug: 'malformed-json', status: 400, title: 'Malformed JSON body' },
  validation: { slug: 'validation', status: 400, title: 'Request validation failed' },
  notFound: { slug: 'not-found', status: 404, title: 'Not found' },
  unknownCluster: { slug: 'unknown-cluster', status: 404, title: 'Unknown cluster' },
  unknownRotation: { slug: 'unknown-rotation', status: 404, title: 'Unknown rotation' },
  methodNotAllowed: { slug: 'method-not-allowed', status: 405, title: 'Method not allowed' },
  rotationRunning: { slug: 'rotation-running', status: 409, title: 'A rotation is running' },
  requestInProgress: {
    slug: 'request-in-progress',
    status: 409,
    title: 'A request with this Idempotency-Key is in progress',
  },
  unsupportedMediaType: {
    slug: 'unsupported-media-type',
    status: 415,
    title: 'Unsupported media type',
  },
  idempotencyKeyReused: {
    slug: 'idempotency-key-reused',
    status: 422,
    title: 'Idempotency-Key reused with a different request',
  },
  internal: { slug: 'internal', status: 500, title: 'Internal error' },
  upstream: { slug: 'upstream', status: 502, title: 'A backing service failed' },
} as const;
export type ProblemKind = (typeof ProblemKind)[keyof typeof ProblemKind];

const TYPE_PREFIX = 'tag:redis-ha,2026:problem/';

/** The `type` URI of a problem kind. */
export function problemType(kind: ProblemKind): string {
  return `${TYPE_PREFIX}${kind.slug}`;
}

/** One invalid field of a request: a JSON Pointer (RFC 6901) into the body, and why. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** A problem details object (RFC 9457 §3.1) plus this API's extension members. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** The request path the problem occurred on. */
  readonly instance: string;
  /** API Gateway's request id: the correlation id of the log lines about this request. */
  readonly requestId?: string;
  /** Validation failures, one per field. */
  readonly errors?: readonly FieldError[];
  /** Offset in the body where JSON parsing failed, when the parser said. */
  readonly position?: number;
}

export interface ProblemInput {
  readonly detail: string;
  readonly instance: string;
  readonly requestId?: string;
  readonly errors?: readonly FieldError[];
  readonly position?: number;
}

export function buildProblem(kind: ProblemKind, input: ProblemInput): Problem {
  return {
    type: problemType(kind),
    title: kind.title,
    status: kind.status,
    detail: input.detail,
    instance: input.instance,
    ...(input.requestId === undefined ? {} : { requestId: input.requestId }),
    ...(input.errors === undefined ? {} : { errors: input.errors }),
    ...(input.position === undefined ? {} : { position: input.position }),
  };
}
