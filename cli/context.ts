// What every command needs: the inventory, the local backend, and the wired control deps.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { JsonLogger, type LogLevel } from '../functions/adapters/local/json-logger';
import {
  openLocalBackend,
  systemClock,
  type LocalBackend,
} from '../functions/adapters/local/local-backend';
import { IoredisGateway } from '../functions/adapters/redis/ioredis-gateway';
import { parseInventory, type Inventory, type SentinelCluster } from '../functions/core/inventory';
import type { CloudEvent } from '../functions/core/events';
import { faultPointsFromEnv } from '../functions/control/fault-points';
import type { ControlDeps, ReconcileHooks } from '../functions/control/reconcile';
import { CliError, ExitCode } from './exit-codes';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly env: NodeJS.ProcessEnv;
}

export interface GlobalOptions {
  readonly inventory: string;
  readonly store: string;
  readonly logLevel: LogLevel;
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
  return {
    inventory: String(values.inventory ?? env.REDIS_HA_INVENTORY ?? DEFAULT_INVENTORY),
    store: String(values.store ?? env.REDIS_HA_STORE ?? DEFAULT_STORE),
    logLevel: logLevel as LogLevel,
  };
}

export function loadInventory(path: string): Inventory {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new CliError(
      ExitCode.noInput,
      `inventory ${path} not found (give one with --inventory or REDIS_HA_INVENTORY)`,
    );
  }
  const result = parseInventory(readFileSync(file, 'utf8'));
  if (!result.ok) {
    throw new CliError(
      ExitCode.dataError,
      `inventory ${path} is invalid:\n${result.errors.map((e) => `  ${e}`).join('\n')}`,
    );
  }
  return result.inventory;
}

export function selectClusters(inventory: Inventory, names: readonly string[]): SentinelCluster[] {
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

export function openBackend(
  options: GlobalOptions,
  onPublish?: (event: CloudEvent) => void,
): LocalBackend {
  return openLocalBackend(resolve(options.store), onPublish ? { onPublish } : {});
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

/** The control plane wired to the local backend and ioredis: the composition root's one recipe. */
export function localControlDeps(
  backend: LocalBackend,
  options: Pick<ControlDeps, 'logger' | 'source'> & Partial<Pick<ControlDeps, 'faults' | 'hooks'>>,
): ControlDeps {
  return {
    gateway: new IoredisGateway(),
    parameters: backend.parameters,
    state: backend.state,
    events: backend.events,
    clock: systemClock,
    ...options,
  };
}
