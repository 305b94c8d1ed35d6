// The API's request handling as a function of injected ports: route, validate, call the use
// case, answer JSON or an RFC 9457 problem. index.ts wraps it in middy with the AWS ports; tests
// call it with sample API Gateway events and local ports. Never answers a stack trace or a
// secret: unexpected errors become a 500 naming the request id, and go to the log.
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import {
  fieldErrors,
  rotationIdSchema,
  startRotationRequestSchema,
  type ApiInventory,
  type ClusterDetail,
  type ClusterList,
  type ProbeResult,
  type RotationStarted,
} from '../../core/api-schemas';
import { RedisHaError } from '../../core/errors';
import type { Clock, Logger, ProbeInvoker, RotationStarter, StateStore } from '../../core/ports';
import { ProblemKind } from '../../core/problem';
import { API_ROTATION_LEASE_MS, startRotation } from '../../control/api-start-rotation';
import {
  actorOf,
  header,
  HttpProblem,
  idempotencyKeyOf,
  jsonResponse,
  problemResponse,
  readJsonBody,
  routePath,
  stagePrefix,
  type ApiEvent,
  type ApiResult,
} from './http';
import type { IdempotentStart, IdempotentStartPayload, StartedRotation } from './idempotent-start';
import { matchRoute, RouteId } from './routes';
import { apiLinks, rotationDetail, rotationSummary, stateSummary, type ApiLinks } from './views';

/** The log port plus per-request keys (Powertools Logger has both). */
export interface ApiLogger extends Logger {
  appendKeys(attributes: Record<string, unknown>): void;
}

/**
 * What the API needs. Read per request, never at creation: the AWS wiring builds each one on
 * first use, so a cold start constructs nothing the request does not touch.
 */
export interface ApiDeps {
  /** The clusters the API knows; anything else is a 404. */
  readonly inventory: ApiInventory;
  readonly state: StateStore;
  readonly starter: RotationStarter;
  readonly prober: ProbeInvoker;
  /** Where Idempotency-Key results are kept (DynamoDB in AWS, dynalite in tests); first use. */
  readonly idempotencyStore: () => Promise<BasePersistenceLayer>;
  readonly clock: Clock;
  readonly newRotationId: () => string;
  readonly logger: ApiLogger;
  /** Lease of the rotation lock taken before starting; default 15 minutes. */
  readonly rotationLeaseMs?: number;
}

export type ApiHandler = (
  event: ApiEvent,
  context: Context,
  options?: { readonly signal?: AbortSignal },
) => Promise<ApiResult>;

interface RequestContext {
  readonly event: ApiEvent;
  readonly context: Context;
  readonly signal: AbortSignal | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly links: ApiLinks;
}

/** A signal carried out of the idempotent function: the rotation was refused (409). */
class RotationRunning extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'RotationRunning';
  }
}

export function createApiHandler(deps: ApiDeps): ApiHandler {
  let idempotent: IdempotentStart | undefined;

  const cluster = (name: string): string => {
    if (!deps.inventory.clusters.some((c) => c.name === name))
      throw new HttpProblem(
        ProblemKind.unknownCluster,
        `no cluster named ${JSON.stringify(name)} in the inventory`,
      );
    return name;
  };

  // Everything comes from the payload: the idempotent wrapper is built once and serves every
  // request after it.
  const startFromPayload = async (payload: IdempotentStartPayload): Promise<StartedRotation> => {
    const { request } = payload;
    const outcome = await startRotation(deps, {
      cluster: payload.cluster,
      rotationId: deps.newRotationId(),
      actor: payload.actor,
      isForced: request.force,
      ...(request.gracePeriodSeconds === null
        ? {}
        : { gracePeriodMs: request.gracePeriodSeconds * 1000 }),
      leaseMs: deps.rotationLeaseMs ?? API_ROTATION_LEASE_MS,
    });
    if (outcome.kind === 'running') throw new RotationRunning(outcome.detail);
    return { rotationId: outcome.rotationId, executionArn: outcome.executionArn };
  };

  const routes: Record<RouteId, (request: RequestContext) => Promise<ApiResult>> = {
    async listClusters({ links }) {
      const states = new Map((await deps.state.listClusterStates()).map((s) => [s.cluster, s]));
      const body: ClusterList = {
        clusters: deps.inventory.clusters.map(({ name }) => ({
          name,
          state: stateSummary(states.get(name)),
          links: { self: links.cluster(name) },
        })),
      };
      return jsonResponse(200, body);
    },

    async getCluster({ params, links }) {
      const name = cluster(params.name as string);
      const [state, latest] = await Promise.all([
        deps.state.getClusterState(name),
        deps.state.getRotation(name),
      ]);
      const body: ClusterDetail = {
        name,
        state: stateSummary(state),
        latestRotation: rotationSummary(latest, links),
        links: {
          self: links.cluster(name),
          probe: links.probe(name),
          rotations: links.rotations(name),
        },
      };
      return jsonResponse(200, body);
    },

    async probeCluster({ params, signal }) {
      const name = cluster(params.name as string);
      let report: unknown;
      try {
        report = await deps.prober.probe(name, signal);
      } catch (error) {
        deps.logger.error('probe failed', { error });
        throw new HttpProblem(ProblemKind.upstream, `probing ${name} failed: ${safeReason(error)}`);
      }
      const body: ProbeResult = { cluster: name, report };
      return jsonResponse(200, body);
    },

    async startRotation({ event, context, params, links }) {
      const name = cluster(params.name as string);
      const parsed = startRotationRequestSchema.safeParse(readJsonBody(event) ?? {});
      if (!parsed.success) {
        const errors = fieldErrors(parsed.error.issues);
        throw new HttpProblem(
          ProblemKind.validation,
          `the request body is invalid: ${errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; ')}`,
          { errors },
        );
      }
      const key = idempotencyKeyOf(event);
      const payload: IdempotentStartPayload = {
        actor: actorOf(event),
        idempotencyKey: key ?? '',
        cluster: name,
        request: {
          force: parsed.data.force ?? false,
          gracePeriodSeconds: parsed.data.gracePeriodSeconds ?? null,
        },
      };
      let started: StartedRotation;
      let isReplay = false;
      try {
        if (key === undefined) started = await startFromPayload(payload);
        else {
          // Loaded on the first keyed request: Idempotency and JMESPath stay out of the cold start.
          const { idempotentStart } = await import('./idempotent-start');
          idempotent ??= idempotentStart(await deps.idempotencyStore(), startFromPayload);
          const result = await idempotent.run(payload, context);
          started = result;
          isReplay = !result.hasRun;
        }
      } catch (error) {
        const problem = startProblem(error, name);
        if (problem.kind.status >= 500) deps.logger.error('rotation start failed', { error });
        throw problem;
      }
      const location = links.rotation(name, started.rotationId);
      const body: RotationStarted = {
        rotationId: started.rotationId,
        cluster: name,
        status: 'started',
        links: { self: location, cluster: links.cluster(name) },
      };
      deps.logger.info(isReplay ? 'rotation start replayed' : 'rotation start accepted', {
        rotationId: started.rotationId,
        actor: payload.actor,
      });
      return jsonResponse(202, body, {
        location,
        ...(isReplay ? { 'idempotent-replayed': 'true' } : {}),
      });
    },

    async getRotation({ params, links }) {
      const name = cluster(params.name as string);
      const id = params.id as string;
      const record = rotationIdSchema.safeParse(id).success
        ? await deps.state.getRotation(name, id)
        : undefined;
      if (!record || record.cluster !== name)
        throw new HttpProblem(
          ProblemKind.unknownRotation,
          `cluster ${name} has no rotation ${JSON.stringify(id)}`,
        );
      const journal = await deps.state.readJournal({ cluster: name, rotationId: id });
      return jsonResponse(200, rotationDetail(record, journal, links));
    },
  };

  return async (event, context, options) => {
    const requestId = event.requestContext.requestId;
    const method = event.requestContext.http.method;
    const instance = event.rawPath;
    let result: ApiResult;
    try {
      const match = matchRoute(method, routePath(event));
      if (match.kind === 'not-found' || match.kind === 'bad-path')
        throw new HttpProblem(ProblemKind.notFound, `no resource at ${routePath(event)}`);
      if (match.kind === 'method-not-allowed')
        throw new HttpProblem(
          ProblemKind.methodNotAllowed,
          `${method} is not allowed on ${routePath(event)}; allowed: ${match.allow.join(', ')}`,
          {},
          { allow: match.allow.join(', ') },
        );
      if (match.params.name !== undefined) deps.logger.appendKeys({ cluster: match.params.name });
      result = await routes[match.id]({
        event,
        context,
        signal: options?.signal,
        params: match.params,
        links: apiLinks(stagePrefix(event)),
      });
    } catch (error) {
      const problem = error instanceof HttpProblem ? error : internalProblem(requestId);
      if (!(error instanceof HttpProblem)) deps.logger.error('request failed', { error });
      result = problemResponse(problem, { instance, requestId });
    }
    deps.logger.info('request', {
      method,
      path: instance,
      status: result.statusCode,
      hasIdempotencyKey: header(event, 'idempotency-key') !== undefined,
    });
    return result;
  };
}

/** The problem a failed start becomes. */
function startProblem(error: unknown, cluster: string): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof RotationRunning)
    return new HttpProblem(ProblemKind.rotationRunning, error.detail);
  // By name: importing Powertools' error classes here would load Idempotency at cold start.
  if (error instanceof Error && error.name === 'IdempotencyValidationError')
    return new HttpProblem(
      ProblemKind.idempotencyKeyReused,
      `this Idempotency-Key was used for ${cluster} with a different request body; use a new key for a different request`,
    );
  if (error instanceof Error && error.name === 'IdempotencyAlreadyInProgressError')
    return new HttpProblem(
      ProblemKind.requestInProgress,
      'a request with this Idempotency-Key is still being processed; retry later',
      {},
      { 'retry-after': '1' },
    );
  if (error instanceof Error && error.name.startsWith('Idempotency'))
    return new HttpProblem(
      ProblemKind.internal,
      `the Idempotency-Key store failed (${error.name}); retry with the same key`,
    );
  return new HttpProblem(
    ProblemKind.upstream,
    `starting the rotation of ${cluster} failed (${safeReason(error)}); try again`,
  );
}

function internalProblem(requestId: string): HttpProblem {
  return new HttpProblem(
    ProblemKind.internal,
    `the request failed unexpectedly; the logs hold the details under request id ${requestId}`,
  );
}

/**
 * A reason that may be shown: our own errors' messages (never a secret), else the error name. A
 * failed AWS call (AwsCallError, told by its fields so that the SDK stays out of the cold start)
 * says which call and the service's error code only: its message may hold the account id, the
 * role's ARN and resource names, which the logs keep and the caller need not see.
 */
function safeReason(error: unknown): string {
  if (error instanceof RedisHaError) {
    const call = error as RedisHaError & {
      service?: unknown;
      operation?: unknown;
      errorName?: unknown;
    };
    if (error.code.startsWith('AWS_') && typeof call.errorName === 'string')
      return `${String(call.service)} ${String(call.operation)}: ${call.errorName}`;
    return error.message;
  }
  return error instanceof Error ? error.name : 'unknown error';
}
