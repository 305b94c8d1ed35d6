// The committed OpenAPI document (docs/openapi.json) is what scripts/openapi.ts generates from the
// request/response schemas today, and it lists exactly the routes the handler serves.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matchRoute } from '../../functions/handlers/api/routes';
import { OPENAPI_FILE, openApiDocument, openApiText } from '../../scripts/openapi';

describe('api: OpenAPI document', () => {
  it('is committed in step with the schemas (run `npx tsx scripts/openapi.ts` after a change)', async () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(await openApiText());
  });

  it('documents exactly the routes the handler serves', () => {
    const document = openApiDocument();
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      const concrete = path.replace('{name}', 'alpha').replace('{id}', 'rot-1');
      for (const method of Object.keys(item ?? {})) {
        const match = matchRoute(method.toUpperCase(), concrete);
        expect(match, `${method} ${path}`).toMatchObject({ kind: 'route' });
        if (match.kind === 'route')
          expect(match.id).toBe(
            (item as Record<string, { operationId?: string }>)[method]?.operationId,
          );
      }
    }
    expect(Object.keys(document.paths ?? {})).toHaveLength(5);
  });

  it('refuses unknown fields in a rotation request, as the handler does', () => {
    const schema = openApiDocument().components?.schemas?.StartRotationRequest as {
      additionalProperties?: unknown;
      properties?: Record<string, unknown>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties?.gracePeriodSeconds).toMatchObject({
      type: 'integer',
      minimum: 0,
      maximum: 86_400,
    });
  });
});
