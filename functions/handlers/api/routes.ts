// The API's routes: which method and path reach which operation. Matching is done here on the
// request path (not on API Gateway's route key), so the same table answers 404 and 405 with
// problem bodies, and the OpenAPI document (scripts/openapi.ts) lists the same paths.

export const RouteId = {
  listClusters: 'listClusters',
  getCluster: 'getCluster',
  probeCluster: 'probeCluster',
  startRotation: 'startRotation',
  getRotation: 'getRotation',
} as const;
export type RouteId = (typeof RouteId)[keyof typeof RouteId];

interface RouteDefinition {
  /** Path segments; `{x}` captures one segment as parameter x. */
  readonly segments: readonly string[];
  readonly methods: Readonly<Partial<Record<string, RouteId>>>;
}

const ROUTES: readonly RouteDefinition[] = [
  { segments: ['clusters'], methods: { GET: RouteId.listClusters } },
  { segments: ['clusters', '{name}'], methods: { GET: RouteId.getCluster } },
  { segments: ['clusters', '{name}', 'probe'], methods: { POST: RouteId.probeCluster } },
  { segments: ['clusters', '{name}', 'rotations'], methods: { POST: RouteId.startRotation } },
  { segments: ['clusters', '{name}', 'rotations', '{id}'], methods: { GET: RouteId.getRotation } },
];

export type RouteMatch =
  | { readonly kind: 'route'; readonly id: RouteId; readonly params: Record<string, string> }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'bad-path' }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] };

/** Matches `method` and `path` (without the stage prefix) against the routes. */
export function matchRoute(method: string, path: string): RouteMatch {
  const raw = path.split('/').filter((segment) => segment !== '');
  let segments: string[];
  try {
    segments = raw.map((segment) => decodeURIComponent(segment));
  } catch {
    return { kind: 'bad-path' };
  }
  for (const route of ROUTES) {
    const params = matchSegments(route.segments, segments);
    if (!params) continue;
    const id = route.methods[method.toUpperCase()];
    if (id) return { kind: 'route', id, params };
    return { kind: 'method-not-allowed', allow: Object.keys(route.methods) };
  }
  return { kind: 'not-found' };
}

function matchSegments(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const segment = segments[index] as string;
    if (part.startsWith('{')) params[part.slice(1, -1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}
