// The inventory: which clusters redis-ha watches and which platform parameters follow each
// master. One zod schema validates the file; every problem is reported with its path.
// Pure: parsing only, no file reads.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { parseDurationMs } from './duration';
import { parseEndpoint } from './endpoint';
import { MAX_PARAMETER_NAME_CHARS, parameterNameProblem } from './parameter-name';
import { placeholdersOf, templateProblems } from './template';

const HOST_AND_DIGITS = /^(.+):(\d+)$/;

const endpointText = z.string({ error: 'expected host:port' }).superRefine((text, ctx) => {
  if (parseEndpoint(text) !== undefined) return;
  const port = Number(HOST_AND_DIGITS.exec(text.trim())?.[2] ?? Number.NaN);
  ctx.addIssue({
    code: 'custom',
    message:
      Number.isInteger(port) && (port < 1 || port > 65535)
        ? `${JSON.stringify(text)}: port must be 1-65535`
        : `${JSON.stringify(text)}: expected host:port`,
  });
});

/** For editors: the JSON Schema cannot run the checks below, but can hint at the alphabet. */
const PARAMETER_NAME_HINT = {
  pattern: '^[A-Za-z0-9_.\\-/]+$',
  maxLength: MAX_PARAMETER_NAME_CHARS,
} as const;

/** A Parameter Store name (so an inventory that works locally also deploys to SSM). */
const parameterName = z.string({ error: 'expected a parameter name' }).superRefine((name, ctx) => {
  const problem = parameterNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A parameter that rotation keeps `<name>/pending` and `<name>/previous` copies beside. */
const passwordParameterName = parameterName
  .superRefine((name, ctx) => {
    if (parameterNameProblem(name)) return;
    const copyProblem = parameterNameProblem(`${name}/previous`);
    const quoted = JSON.stringify(name);
    if (!name.startsWith('/'))
      ctx.addIssue({
        code: 'custom',
        message: `${quoted}: must start with / (rotation keeps ${name}/pending and ${name}/previous beside it)`,
      });
    else if (copyProblem)
      ctx.addIssue({
        code: 'custom',
        message: `${quoted}: no room for rotation's ${name}/previous copy: ${copyProblem.replace(/^"[^"]*": /, '')}`,
      });
  })
  .meta(PARAMETER_NAME_HINT);

const duration = z
  .string({ error: 'expected a duration such as 30s, 5m or 1h' })
  .refine((text) => parseDurationMs(text) !== undefined, {
    error: 'expected a duration such as 30s, 5m or 1h',
  });

const template = z
  .string({ error: 'expected a template string' })
  .min(1)
  .superRefine((text, ctx) => {
    for (const message of templateProblems(text)) ctx.addIssue({ code: 'custom', message });
  });

/** Characters a rotation may never put in a password: they break connection strings. */
export const FORBIDDEN_PASSWORD_CHARACTERS = ',;=@:/\'"` \\';
export const DEFAULT_PASSWORD_ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~';

const TlsSchema = z.strictObject({
  /** Connect to sentinels and data nodes over TLS. */
  enabled: z.boolean().default(true),
  /** PEM file with the CA that signed the servers' certificates. */
  caFile: z.string().optional(),
  /** Server name to verify, when it differs from the host dialled. */
  servername: z.string().optional(),
  /** Verify the server certificate (never turn off in production). */
  rejectUnauthorized: z.boolean().default(true),
});

const ThresholdsSchema = z.strictObject({
  /** A replica whose acknowledged offset trails the master's by more bytes is lagging. */
  maxReplicationLagBytes: z
    .number()
    .int()
    .nonnegative()
    .default(10 * 1024 * 1024),
});

const TimeoutsSchema = z.strictObject({
  /** Time allowed to open a connection to a sentinel or data node. */
  connectMs: z.number().int().positive().max(60_000).default(1000),
  /** Time allowed for one command (or pipeline) to answer. */
  commandMs: z.number().int().positive().max(60_000).default(1000),
});

const AlertHysteresisSchema = z.strictObject({
  /** A health change is published once this many consecutive probes have seen it. */
  probes: z.number().int().min(1).max(100).default(2),
  /**
   * ...and once it has lasted at least this many seconds (0: no time floor). The floor keeps a
   * burst of sentinel events, which triggers probes milliseconds apart, from counting as held.
   */
  seconds: z.number().nonnegative().max(86_400).default(5),
});

const RotationSchema = z
  .strictObject({
    /** Rotate automatically when the last rotation is older than this many days. */
    everyDays: z.number().positive().optional(),
    /** How long old and new passwords both work, so clients can reconnect. */
    gracePeriod: duration.default('30s'),
    /** Length of generated passwords. */
    length: z.number().int().min(16).max(256).default(48),
    /** Characters generated passwords are drawn from. */
    alphabet: z
      .string()
      .min(16)
      .refine((text) => ![...text].some((c) => FORBIDDEN_PASSWORD_CHARACTERS.includes(c)), {
        error: 'alphabet must not contain , ; = @ : / quotes, backslash or space',
      })
      .default(DEFAULT_PASSWORD_ALPHABET),
    /** Also rotate the sentinels' own password, with the same dual-password window. */
    rotateSentinelPassword: z.boolean().default(false),
    /**
     * Rotate data nodes that run without a config file (CONFIG REWRITE impossible) in memory
     * only; a restart of such a node brings back the old password. Off: such a rotation is refused.
     */
    allowUnpersisted: z.boolean().default(false),
  })
  .prefault({});

const clusterName = z
  .string({ error: 'expected a cluster name' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, {
    error: 'expected 1-63 letters, digits, _ . - starting with a letter or digit',
  });

/** Placeholders that only mean something for one kind of cluster. */
const KIND_ONLY_PLACEHOLDERS: Readonly<Record<string, readonly string[]>> = {
  sentinel: ['readerHost', 'readerPort'],
  elasticache: ['sentinels'],
};

/** Platform parameter names and the placeholders their templates use, for either kind. */
function platformParameterProblems(
  cluster: { readonly kind: string; readonly platformParameters: Record<string, string> },
  reserved: readonly (string | undefined)[],
  ctx: z.core.$RefinementCtx,
): void {
  const otherKindOnly = KIND_ONLY_PLACEHOLDERS[cluster.kind] ?? [];
  for (const [name, text] of Object.entries(cluster.platformParameters)) {
    const nameProblem = parameterNameProblem(name);
    if (nameProblem)
      ctx.addIssue({ code: 'custom', path: ['platformParameters', name], message: nameProblem });
    const isInFlightCopy = reserved.some((r) => r && name.startsWith(`${r}/`));
    if (reserved.includes(name) || isInFlightCopy) {
      ctx.addIssue({
        code: 'custom',
        path: ['platformParameters', name],
        message:
          'a platform parameter cannot be the password parameter or its /pending and /previous copies',
      });
    }
    for (const placeholder of placeholdersOf(text).filter((p) => otherKindOnly.includes(p))) {
      ctx.addIssue({
        code: 'custom',
        path: ['platformParameters', name],
        message: `{{${placeholder}}} has no value for kind ${cluster.kind}`,
      });
    }
  }
}

export const SentinelClusterSchema = z
  .strictObject({
    /** Unique name; used in events, parameters' history and the CLI. */
    name: clusterName,
    kind: z.literal('sentinel').default('sentinel'),
    /** Sentinel addresses, host:port. */
    sentinels: z.array(endpointText).min(1, { error: 'expected at least one sentinel' }),
    /** The name the sentinels monitor the master under (`sentinel monitor <name> ...`). */
    masterName: z
      .string({ error: 'expected the master name the sentinels monitor' })
      .regex(/^[A-Za-z0-9_.-]+$/, {
        error: 'expected the master name the sentinels monitor (letters, digits, _ . -)',
      }),
    /** Parameter that holds the data nodes' password. */
    passwordParameter: passwordParameterName,
    /** ACL user that redis-ha and the platforms log in as; `default` when absent. */
    username: z.string().min(1).optional(),
    /** Parameter that holds the sentinels' own password, when they have one. */
    sentinelPasswordParameter: passwordParameterName.optional(),
    /** ACL user for the sentinels, when they use one. */
    sentinelUsername: z.string().min(1).optional(),
    tls: TlsSchema.optional(),
    /** Renamed commands on the data nodes, e.g. `{ CONFIG: "RP_CONFIG_x1" }`. */
    commandRenames: z.record(z.string().regex(/^[A-Za-z-]+$/), z.string().min(1)).default({}),
    /** Announced address -> address redis-ha and the platforms dial (NAT, port mapping). */
    addressMap: z.record(endpointText, endpointText).default({}),
    thresholds: ThresholdsSchema.prefault({}),
    timeouts: TimeoutsSchema.prefault({}),
    /** Flap damping of health.changed; a confirmed master change or split brain never waits. */
    alertHysteresis: AlertHysteresisSchema.prefault({}),
    /** Parameter name -> template; rewritten when the master or the password changes. */
    platformParameters: z.record(z.string().meta(PARAMETER_NAME_HINT), template).default({}),
    rotation: RotationSchema,
  })
  .superRefine((cluster, ctx) => {
    platformParameterProblems(
      cluster,
      [cluster.passwordParameter, cluster.sentinelPasswordParameter],
      ctx,
    );
    if (cluster.rotation.rotateSentinelPassword && !cluster.sentinelPasswordParameter) {
      ctx.addIssue({
        code: 'custom',
        path: ['rotation', 'rotateSentinelPassword'],
        message: 'needs sentinelPasswordParameter: the sentinels have no password to rotate',
      });
    }
  });

/** ElastiCache's AUTH token alphabet besides letters and digits (ModifyReplicationGroup). */
export const ELASTICACHE_TOKEN_SYMBOLS = '!&#$^<>-';
export const ELASTICACHE_TOKEN_ALPHABET = `ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789${ELASTICACHE_TOKEN_SYMBOLS}`;
const ELASTICACHE_TOKEN_CHARS = /^[A-Za-z0-9!&#$^<>-]+$/;

const ElastiCacheRotationSchema = z
  .strictObject({
    /** Rotate automatically when the last rotation is older than this many days. */
    everyDays: z.number().positive().optional(),
    /** How long old and new token (or password) both work, so clients can reconnect. */
    gracePeriod: duration.default('30s'),
    /** Length of generated tokens: ElastiCache takes 16 to 128 characters. */
    length: z.number().int().min(16).max(128).default(64),
    /** Characters tokens are drawn from: letters, digits and ElastiCache's `! & # $ ^ < > -`. */
    alphabet: z
      .string()
      .min(16)
      .refine((text) => ELASTICACHE_TOKEN_CHARS.test(text), {
        error: `ElastiCache accepts only letters, digits and ${[...ELASTICACHE_TOKEN_SYMBOLS].join(' ')} in a token`,
      })
      .default(ELASTICACHE_TOKEN_ALPHABET),
  })
  .prefault({});

/**
 * An Amazon ElastiCache (Redis OSS / Valkey) replication group. `passwordParameter` holds the
 * AUTH token, or with `userId` the RBAC user's password.
 */
export const ElastiCacheClusterSchema = z
  .strictObject({
    name: clusterName,
    kind: z.literal('elasticache'),
    /** `ReplicationGroupId` as ElastiCache names it (lower case; 1-40 characters). */
    replicationGroupId: z
      .string({ error: 'expected the replication group id' })
      .regex(/^[a-z][a-z0-9-]{0,39}$/, {
        error:
          'expected 1-40 lower-case letters, digits or hyphens starting with a letter (ElastiCache lower-cases ids)',
      })
      .refine((id) => !id.endsWith('-') && !id.includes('--'), {
        error: 'a replication group id cannot end with a hyphen or hold two in a row',
      }),
    /** AWS Region of the group, e.g. eu-west-1. */
    region: z
      .string({ error: 'expected an AWS Region such as eu-west-1' })
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'expected an AWS Region such as eu-west-1' }),
    /** Parameter that holds the AUTH token, or the RBAC user's password when `userId` is set. */
    passwordParameter: passwordParameterName,
    /** RBAC: the ElastiCache user id whose password rotation changes (`ModifyUser`). */
    userId: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,39}$/, {
        error: 'expected an ElastiCache user id (letters, digits, hyphens; starts with a letter)',
      })
      .optional(),
    /** RBAC: the user name clients AUTH with; defaults to `userId`. */
    username: z.string().min(1).optional(),
    /** In-transit encryption: on unless the group runs without it. */
    tls: TlsSchema.prefault({}),
    /** Cluster mode: `enabled` means shards, a configuration endpoint and per-shard primaries. */
    clusterMode: z.enum(['disabled', 'enabled']).default('disabled'),
    thresholds: ThresholdsSchema.prefault({}),
    timeouts: TimeoutsSchema.prefault({}),
    alertHysteresis: AlertHysteresisSchema.prefault({}),
    /**
     * Parameter name -> template: `{{host}}`/`{{port}}` are the primary endpoint (the
     * configuration endpoint with cluster mode enabled), `{{readerHost}}`/`{{readerPort}}` the
     * reader endpoint, `{{masterName}}` the replication group id.
     */
    platformParameters: z.record(z.string().meta(PARAMETER_NAME_HINT), template).default({}),
    rotation: ElastiCacheRotationSchema,
  })
  .superRefine((cluster, ctx) => {
    platformParameterProblems(cluster, [cluster.passwordParameter], ctx);
    if (cluster.username && !cluster.userId) {
      ctx.addIssue({
        code: 'custom',
        path: ['username'],
        message: 'needs userId: the RBAC user whose password redis-ha rotates',
      });
    }
  });

/** Entries without `kind` are Sentinel clusters (the first kind, before there were others). */
const ClusterSchema = z.preprocess(
  (raw) =>
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !('kind' in raw)
      ? { ...raw, kind: 'sentinel' }
      : raw,
  z.discriminatedUnion('kind', [SentinelClusterSchema, ElastiCacheClusterSchema], {
    error: 'expected kind sentinel or elasticache',
  }),
);

export const InventorySchema = z
  .strictObject({
    /** Seconds between two full probes in `watch`. */
    probeIntervalSeconds: z.number().int().positive().max(3600).default(10),
    clusters: z
      .array(ClusterSchema, { error: 'expected a list of clusters' })
      .min(1, { error: 'expected at least one cluster' }),
  })
  .superRefine((inventory, ctx) => {
    const seen = new Map<string, number>();
    inventory.clusters.forEach((cluster, index) => {
      const first = seen.get(cluster.name);
      if (first === undefined) seen.set(cluster.name, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', index, 'name'],
          message: `duplicate cluster name "${cluster.name}" (first at clusters[${first}])`,
        });
    });
  });

export type Inventory = z.infer<typeof InventorySchema>;
export type SentinelCluster = z.infer<typeof SentinelClusterSchema>;
export type ElastiCacheCluster = z.infer<typeof ElastiCacheClusterSchema>;
/** Any inventory entry; narrow on `kind`. */
export type Cluster = Inventory['clusters'][number];

export { isElastiCache, isSentinel } from './cluster-kind';

export type InventoryResult =
  | { readonly ok: true; readonly inventory: Inventory }
  | { readonly ok: false; readonly errors: readonly string[] };

/** `clusters[2].sentinels[0]` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key))
      out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(root)';
}

/** Parses YAML or JSON inventory text; every problem comes back as `path: message`. */
export function parseInventory(text: string): InventoryResult {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0];
      const at = where ? `line ${where.line}, column ${where.col}` : '(root)';
      return { ok: false, errors: [`${at}: ${error.message.split('\n')[0] ?? error.code}`] };
    }
    throw error;
  }
  const result = InventorySchema.safeParse(raw ?? {});
  if (result.success) return { ok: true, inventory: result.data };
  return {
    ok: false,
    errors: result.error.issues.map(
      (issue) => `${formatPath(issue.path)}: ${describeIssue(issue)}`,
    ),
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_key') return issue.issues.map((inner) => inner.message).join('; ');
  return issue.message;
}

// Zod-free helpers live in cluster-addresses.ts (Lambda bundles import them without the schema);
// re-exported here so existing imports keep working.
export { gracePeriodMs, mapAddress, sentinelEndpoints } from './cluster-addresses';
