// The inventory as the CDK app sees it: read and validated at synth with the same schema and
// the same path-named messages as `redis-ha validate`, so a bad inventory fails `cdk synth`.
// The Lambdas get the validated JSON and never parse YAML or run the classic zod schema.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseInventory, type Inventory } from '../functions/core/inventory';

/** Where the inventory layer's files appear inside a Lambda (layers mount at /opt). */
export const LAYER_INVENTORY_DIR = '/opt/redis-ha';
/** The validated inventory's path inside the inventory layer. */
export const LAYER_INVENTORY_FILE = `${LAYER_INVENTORY_DIR}/inventory.json`;

/** A validated inventory, ready for `RedisHaControlPlane`. */
export class ControlPlaneInventory {
  /**
   * Reads and validates an inventory file (YAML or JSON). A relative path, and a relative TLS
   * `caFile` inside it, are taken from the current directory, as the CLI does.
   * @throws Error `inventory <path> is invalid:` followed by one `path: problem` line each.
   */
  static fromFile(path: string): ControlPlaneInventory {
    const problem = fileProblem(path);
    if (problem)
      throw new Error(`inventory ${path} ${problem} (give one with -c inventory=<file>)`);
    return ControlPlaneInventory.fromText(readFileSync(resolve(path), 'utf8'), path);
  }

  /**
   * Validates inventory text (YAML or JSON); `source` names it in error messages.
   * @throws Error `inventory <source> is invalid:` followed by one `path: problem` line each.
   */
  static fromText(text: string, source = 'inventory'): ControlPlaneInventory {
    const result = parseInventory(text);
    if (!result.ok) throw invalidInventory(source, result.errors);
    const caFiles = new Map<string, string>();
    const fileErrors: string[] = [];
    result.inventory.clusters.forEach((cluster, index) => {
      const caFile = cluster.tls?.enabled ? cluster.tls.caFile : undefined;
      if (caFile === undefined) return;
      const problem = fileProblem(caFile);
      if (problem)
        fileErrors.push(`clusters[${index}].tls.caFile: ${JSON.stringify(caFile)} ${problem}`);
      else caFiles.set(cluster.name, resolve(caFile));
    });
    if (fileErrors.length > 0) throw invalidInventory(source, fileErrors);
    return new ControlPlaneInventory(result.inventory, source, caFiles);
  }

  private constructor(
    /** The validated inventory, defaults filled in. */
    readonly inventory: Inventory,
    /** What the inventory was read from, for messages. */
    readonly source: string,
    /** Cluster name → absolute path of its TLS CA file on the synthesizing machine. */
    readonly caFiles: ReadonlyMap<string, string>,
  ) {}

  /**
   * The validated inventory as the Lambdas read it: JSON, each TLS `caFile` pointing at its
   * copy in the inventory layer (`/opt/redis-ha/ca/<cluster>.pem`).
   */
  toLambdaJson(): string {
    return JSON.stringify({
      ...this.inventory,
      clusters: this.inventory.clusters.map((cluster) =>
        cluster.tls && this.caFiles.has(cluster.name)
          ? { ...cluster, tls: { ...cluster.tls, caFile: layerCaFile(cluster.name) } }
          : cluster,
      ),
    });
  }
}

/** Path of a cluster's TLS CA file inside a Lambda. */
export function layerCaFile(cluster: string): string {
  return `${LAYER_INVENTORY_DIR}/ca/${cluster}.pem`;
}

function invalidInventory(source: string, errors: readonly string[]): Error {
  return new Error(`inventory ${source} is invalid:\n${errors.map((e) => `  ${e}`).join('\n')}`);
}

/** The same wording as the CLI's check (cli/context.ts). */
function fileProblem(path: string): string | undefined {
  try {
    return statSync(resolve(path)).isFile() ? undefined : 'is not a file (a directory?)';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'not found' : `cannot be read (${code})`;
  }
}
