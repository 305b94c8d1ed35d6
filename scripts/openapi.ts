// Writes docs/openapi.json: the HTTP API's OpenAPI 3.1 document, generated with zod-openapi from
// the same zod/mini schemas (functions/core/api-schemas.ts) that validate requests in the
// Lambda. test/handlers/api-openapi.test.ts regenerates it and fails when the committed file is
// stale. Run: npx tsx scripts/openapi.ts
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import * as z from 'zod/mini';
import { createDocument, type ZodOpenApiResponseObject } from 'zod-openapi';
import {
  clusterDetailSchema,
  clusterListSchema,
  clusterNameSchema,
  probeResultSchema,
  problemSchema,
  rotationDetailSchema,
  rotationIdSchema,
  rotationStartedSchema,
  startRotationRequestSchema,
} from '../functions/core/api-schemas';
import { PROBLEM_CONTENT_TYPE, ProblemKind, problemType } from '../functions/core/problem';

export const OPENAPI_FILE = resolve(fileURLToPath(import.meta.url), '../../docs/openapi.json');

const problem = (description: string): ZodOpenApiResponseObject => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
});
const json = (description: string, schema: z.core.$ZodType): ZodOpenApiResponseObject => ({
  description,
  content: { 'application/json': { schema } },
});

const clusterPath = { path: z.object({ name: clusterNameSchema }) };
const unknownCluster = problem('The cluster is not in the inventory (`unknown-cluster`).');
const internal = problem(
  'Unexpected failure; the detail names the request id to look up in the logs.',
);

const problemTypes = Object.values(ProblemKind)
  .map((kind) => `- \`${problemType(kind)}\` (${kind.status}): ${kind.title}`)
  .join('\n');

/** The OpenAPI 3.1 document of the API, as a plain object. */
export function openApiDocument() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'redis-ha control plane API',
      version: '1.0.0',
      description: `Reads cluster state, probes clusters and starts password rotations. Every route requires IAM (SigV4) authorisation. Errors are RFC 9457 problem details (\`${PROBLEM_CONTENT_TYPE}\`) of these types:\n${problemTypes}`,
    },
    security: [{ sigv4: [] }],
    components: {
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (API Gateway IAM authorisation).',
        },
      },
      schemas: {
        Problem: problemSchema,
        ClusterList: clusterListSchema,
        ClusterDetail: clusterDetailSchema,
        ProbeResult: probeResultSchema,
        StartRotationRequest: startRotationRequestSchema,
        RotationStarted: rotationStartedSchema,
        RotationDetail: rotationDetailSchema,
      },
    },
    paths: {
      '/clusters': {
        get: {
          operationId: 'listClusters',
          summary: 'Every inventory cluster with its last committed state',
          responses: {
            '200': json('The clusters, in inventory order.', clusterListSchema),
            '500': internal,
          },
        },
      },
      '/clusters/{name}': {
        get: {
          operationId: 'getCluster',
          summary: "A cluster's last verdict and state, and its latest rotation",
          requestParams: clusterPath,
          responses: {
            '200': json('The cluster.', clusterDetailSchema),
            '404': unknownCluster,
            '500': internal,
          },
        },
      },
      '/clusters/{name}/probe': {
        post: {
          operationId: 'probeCluster',
          summary: 'Probe the cluster now (runs the probe function synchronously)',
          requestParams: clusterPath,
          responses: {
            '200': json("The probe function's report.", probeResultSchema),
            '404': unknownCluster,
            '500': internal,
            '502': problem('The probe function failed (`upstream`).'),
          },
        },
      },
      '/clusters/{name}/rotations': {
        post: {
          operationId: 'startRotation',
          summary: 'Start a password rotation',
          description:
            "Takes the cluster's rotation lock in the new rotation's name, then starts its Step Functions execution (named by the rotation id). With an `Idempotency-Key`, a repeat of the same request (same caller, key, cluster and body) within 24 hours answers the first 202 again (with `Idempotent-Replayed: true`) and starts nothing.",
          requestParams: {
            ...clusterPath,
            header: z.object({
              'idempotency-key': z.optional(z.string().check(z.regex(/^"?[\x21-\x7e]{1,255}"?$/))),
            }),
          },
          requestBody: {
            required: false,
            content: { 'application/json': { schema: startRotationRequestSchema } },
          },
          responses: {
            '202': {
              description: 'The rotation started; `Location` is its URL.',
              headers: z.object({ location: z.string() }),
              content: { 'application/json': { schema: rotationStartedSchema } },
            },
            '400': problem(
              'Malformed JSON (`malformed-json`, with `position` when known), an invalid field (`validation`, with `errors`), or a bad Idempotency-Key (`bad-request`).',
            ),
            '404': unknownCluster,
            '409': problem(
              'A rotation of this cluster runs (`rotation-running`), or a request with this Idempotency-Key is in progress (`request-in-progress`).',
            ),
            '415': problem('A body that is not `application/json` (`unsupported-media-type`).'),
            '422': problem(
              'This Idempotency-Key was used with a different body (`idempotency-key-reused`).',
            ),
            '500': internal,
            '502': problem(
              'The execution could not be started; its lock was released (`upstream`).',
            ),
          },
        },
      },
      '/clusters/{name}/rotations/{id}': {
        get: {
          operationId: 'getRotation',
          summary: 'A rotation record and its journal (never a secret)',
          requestParams: { path: z.object({ name: clusterNameSchema, id: rotationIdSchema }) },
          responses: {
            '200': json('The rotation and its journal, oldest first.', rotationDetailSchema),
            '404': problem(
              'The cluster is not in the inventory (`unknown-cluster`) or has no such rotation (`unknown-rotation`).',
            ),
            '500': internal,
          },
        },
      },
    },
  });
}

/** The document as committed: JSON formatted by the project's Prettier (`npm run lint`). */
export async function openApiText(): Promise<string> {
  const options = (await resolveConfig(OPENAPI_FILE)) ?? {};
  return format(JSON.stringify(openApiDocument()), { ...options, parser: 'json' });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_FILE, await openApiText());
  console.log(`wrote ${OPENAPI_FILE}`);
}
