// What every command needs: the inventory, the local backend, and the wired control deps.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { JsonLogger, type LogLevel } from '../functions/adapters/local/json-logger';
import { openLocalBackend, type LocalBackend } from '../functions/adapters/local/local-backend';
import { parseInventory, type Inventory, type Cluster } from '../functions/core/inventory';
import type { CloudEvent } from '../functions/core/events';
import type { ControlDeps, ReconcileHooks } from '../functions/control/reconcile';
import {
  faultPointsFromEnv,
  localControlDeps,
  probeConcurrencyFrom,
} from '../functions/wiring/local';
import { AwsEnv } from '../functions/wiring/aws-env';
import { CliError, ExitCode } from './exit-codes';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly env: NodeJS.ProcessEnv;
}

/** Where a command's data lives: the local store folder, or a deployment in AWS. */
export type Backend = 'local' | 'aws';

/** `--backend aws` settings, flags over environment (the variables the functions get). */
export interface AwsCliOptions {
  /** `--table`, else STATE_TABLE_NAME. */
  readonly stateTable: string | undefined;
  /** `--kms-key`, else KMS_KEY_ID. */
  readonly kmsKey: string | undefined;
}

export interface GlobalOptions {
  readonly backend: Backend;
  readonly aws: AwsCliOptions;
  readonly inventory: string;
  /** True when --inventory or REDIS_HA_INVENTORY named it (not the default file). */
  readonly isInventoryGiven: boolean;
  readonly store: string;
  readonly logLevel: LogLevel;
  /** REDIS_HA_LOCAL_KEY from the command's environment (not necessarily process.env). */
  readonly localKey: string | undefined;
}

export const DEFAULT_INVENTORY = 'redis-ha.yaml';
export const DEFAULT_STORE = '.redis-ha';

export function globalOptions(
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): GlobalOptions {
  const logLevel = String(values['log-level'] ?? env.REDIS_HA_LOG_LEVEL ?? 'info');
  if (!['info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new CliError(
      ExitCode.usage,
      `--log-level: expected info, warn, error or silent, got "${logLevel}"`,
    );
  }
  const backend = String(values.backend ?? 'local');
  if (backend !== 'local' && backend !== 'aws') {
    throw new CliError(ExitCode.usage, `--backend: expected local or aws, got "${backend}"`);
  }
  if (backend === 'local') {
    const awsOnly = (['table', 'kms-key'] as const).find((flag) => values[flag] !== undefined);
    if (awsOnly)
      throw new CliError(
        ExitCode.usage,
        `--${awsOnly} applies to --backend aws only (the local backend is the --store folder)`,
      );
  }
  const setting = (flag: string, variable: string) => {
    const value = values[flag] ?? env[variable];
    return value === undefined || value === '' ? undefined : String(value);
  };
  return {
    backend,
    aws: {
      stateTable: setting('table', AwsEnv.stateTable),
      kmsKey: setting('kms-key', AwsEnv.kmsKey),
    },
    inventory: String(values.inventory ?? env.REDIS_HA_INVENTORY ?? DEFAULT_INVENTORY),
    isInventoryGiven: values.inventory !== undefined || env.REDIS_HA_INVENTORY !== undefined,
    store: String(values.store ?? env.REDIS_HA_STORE ?? DEFAULT_STORE),
    logLevel: logLevel as LogLevel,
    localKey: env.REDIS_HA_LOCAL_KEY,
  };
}

/**
 * Reads and validates the inventory; then (I/O, so here and not in the pure core) checks that
 * every TLS CA file it names exists. Every problem comes back at once, with its path.
 */
export function loadInventory(path: string): Inventory {
  const result = parseInventory(readInventoryText(path));
  if (!result.ok) throw invalidInventory(path, result.errors);
  const fileErrors = result.inventory.clusters.flatMap((cluster, index) => {
    const caFile = cluster.tls?.enabled ? cluster.tls.caFile : undefined;
    const problem = caFile === undefined ? undefined : fileProblem(caFile);
    return problem ? [`clusters[${index}].tls.caFile: ${JSON.stringify(caFile)} ${problem}`] : [];
  });
  if (fileErrors.length > 0) throw invalidInventory(path, fileErrors);
  return result.inventory;
}

function readInventoryText(path: string): string {
  const problem = fileProblem(path);
  if (problem)
    throw new CliError(
      ExitCode.noInput,
      `inventory ${path} ${problem} (give one with --inventory or REDIS_HA_INVENTORY)`,
    );
  try {
    return readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw new CliError(
      ExitCode.noInput,
      `inventory ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}

/** Why `path` is not a readable regular file ("not found", "is a directory"), or undefined. */
function fileProblem(path: string): string | undefined {
  try {
    return statSync(resolve(path)).isFile() ? undefined : 'is not a file (a directory?)';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'not found' : `cannot be read (${code})`;
  }
}

function invalidInventory(path: string, errors: readonly string[]): CliError {
  return new CliError(
    ExitCode.dataError,
    `inventory ${path} is invalid:\n${errors.map((e) => `  ${e}`).join('\n')}`,
  );
}

export function selectClusters(inventory: Inventory, names: readonly string[]): Cluster[] {
  if (names.length === 0) return inventory.clusters;
  const unknown = names.filter((n) => !inventory.clusters.some((c) => c.name === n));
  if (unknown.length > 0) {
    const known = inventory.clusters.map((c) => c.name).join(', ') || '(none)';
    throw new CliError(
      ExitCode.dataError,
      `unknown cluster ${unknown.map((n) => `"${n}"`).join(', ')}; the inventory has: ${known}`,
    );
  }
  return inventory.clusters.filter((c) => names.includes(c.name));
}

/** The local store for a command that writes; creates a brand-new one on first use. */
export function openBackend(
  options: GlobalOptions,
  onPublish?: (event: CloudEvent) => void,
): LocalBackend {
  return openLocalBackend(resolve(options.store), {
    envKey: options.localKey,
    ...(onPublish ? { onPublish } : {}),
  });
}

/**
 * The local store for a command that only reads: never writes a byte, so it works on a
 * read-only store; a store that does not exist reads as empty, and stderr says so.
 */
export function openBackendForReading(options: GlobalOptions, io: Io): LocalBackend {
  const backend = openLocalBackend(resolve(options.store), {
    envKey: options.localKey,
    isReadOnly: true,
  });
  if (backend.isMissing)
    io.stderr(
      `redis-ha: store ${options.store} does not exist yet: nothing is stored (check --store or REDIS_HA_STORE)\n`,
    );
  return backend;
}

/**
 * Clusters `probe` reconciles at once: REDIS_HA_PROBE_CONCURRENCY (a whole number from 1) or
 * the default. A bad value is a usage error naming the variable and the value.
 */
export function probeConcurrency(env: NodeJS.ProcessEnv): number {
  try {
    return probeConcurrencyFrom(env);
  } catch (error) {
    throw new CliError(ExitCode.usage, error instanceof Error ? error.message : String(error));
  }
}

export function controlDeps(
  backend: LocalBackend,
  options: GlobalOptions,
  io: Io,
  hooks?: ReconcileHooks,
): ControlDeps {
  return localControlDeps(backend, {
    logger: new JsonLogger(io.stderr, options.logLevel),
    source: 'urn:redis-ha:local',
    faults: faultPointsFromEnv(io.env),
    ...(hooks ? { hooks } : {}),
  });
}
