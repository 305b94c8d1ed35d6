// `--backend aws`: which commands take it, the settings each needs (flags over the environment
// variables the functions get), and the deployment's stores, built by the AWS wiring with the
// SDK's own configuration (region, credentials chain, AWS_ENDPOINT_URL_<SERVICE>). The wiring is
// imported on first use, so a local command never loads an AWS SDK client.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { RedisHaError } from '../functions/core/errors';
import type { Inventory } from '../functions/core/inventory';
import type { EventLog, ParameterStore, StateStore } from '../functions/core/ports';
import { AwsEnv } from '../functions/wiring/aws-env';
import { AWS_BACKEND_COMMANDS } from './command-table';
import { loadInventory, type GlobalOptions } from './context';
import { CliError, ExitCode } from './exit-codes';

/** Refuses `--backend aws` for a command that only runs on one machine, naming those that take it. */
export function checkBackendSupports(command: string, options: GlobalOptions): void {
  if (options.backend !== 'aws' || AWS_BACKEND_COMMANDS.includes(command)) return;
  throw new CliError(
    ExitCode.usage,
    `${command}: --backend aws is not supported; it works with ${AWS_BACKEND_COMMANDS.join(', ')} (in AWS, probing, watching and rotating run in the deployment itself: its probe function, rotation state machine and API)`,
  );
}

/** The deployment's state table: `--table`, else STATE_TABLE_NAME; a usage error naming both. */
export function requireStateTable(command: string, options: GlobalOptions): string {
  if (options.aws.stateTable) return options.aws.stateTable;
  throw new CliError(
    ExitCode.usage,
    `${command} --backend aws: no state table given: pass --table <name> or set ${AwsEnv.stateTable} (the stack's state table, see the README's deploy guide)`,
  );
}

/** The KMS key of SecureStrings: `--kms-key`, else KMS_KEY_ID; a usage error naming both. */
export function requireKmsKey(command: string, options: GlobalOptions): string {
  if (options.aws.kmsKey) return options.aws.kmsKey;
  throw new CliError(
    ExitCode.usage,
    `${command} --backend aws: a --secure value is encrypted under the deployment's KMS key, and none was given: pass --kms-key <key> or set ${AwsEnv.kmsKey}`,
  );
}

/** The deployment's state store and event log, on the table the command was given. */
export async function openAwsTable(
  command: string,
  options: GlobalOptions,
): Promise<{ readonly state: StateStore; readonly events: EventLog; readonly where: string }> {
  const tableName = requireStateTable(command, options);
  const { awsTableStores } = await import('../functions/wiring/aws');
  return { ...awsTableStores(tableName), where: `table ${tableName}` };
}

/** Parameter Store; the KMS key is required only to write a SecureString. */
export async function openAwsParameters(
  command: string,
  options: GlobalOptions,
  isSecureWrite: boolean,
): Promise<ParameterStore> {
  const kmsKey = isSecureWrite ? requireKmsKey(command, options) : options.aws.kmsKey;
  const { awsParameterStore } = await import('../functions/wiring/aws');
  return awsParameterStore(kmsKey);
}

/**
 * The inventory when there is one to read: named by --inventory or REDIS_HA_INVENTORY (then it
 * must be valid), or the default file when it exists. With `--backend aws` it is optional: it
 * only names clusters the table does not hold yet.
 */
export function inventoryIfAny(options: GlobalOptions): Inventory | undefined {
  if (!options.isInventoryGiven && !existsSync(resolve(options.inventory))) return undefined;
  return loadInventory(options.inventory);
}

/** Service error codes that mean "not allowed" (IAM, KMS, bad or expired credentials). */
const DENIED =
  /AccessDenied|NotAuthorized|Unauthorized|UnrecognizedClient|InvalidClientTokenId|InvalidSignature|ExpiredToken|KMSAccessDenied|KMSInvalidState|KMSDisabled/;
/** Service error codes that mean "this deployment or key does not exist (here)". */
const NOT_FOUND = /ResourceNotFound|InvalidKeyId|KMSNotFound|NotFoundException/;

/**
 * A failed AWS call as the CLI reports it: the adapter's message (it never holds a value that
 * may be secret), a hint for the usual causes, and the exit code of its class; undefined when
 * `error` is no AWS call's.
 */
export function awsFailure(error: unknown): { exitCode: ExitCode; message: string } | undefined {
  if (!(error instanceof RedisHaError) || !/^AWS_[A-Z0-9]+_FAILED$/.test(error.code)) {
    return undefined;
  }
  const name = String((error as { errorName?: unknown }).errorName ?? '');
  if (name === 'CredentialsProviderError' || /Region is missing/.test(error.message))
    return {
      exitCode: ExitCode.config,
      message: `${error.message} (--backend aws uses the AWS SDK configuration: set AWS_REGION and credentials, e.g. AWS_PROFILE)`,
    };
  if (NOT_FOUND.test(name))
    return {
      exitCode: ExitCode.config,
      message: `${error.message} (check --table / ${AwsEnv.stateTable}, --kms-key / ${AwsEnv.kmsKey} and the region)`,
    };
  if (DENIED.test(name)) return { exitCode: ExitCode.noPermission, message: error.message };
  return { exitCode: ExitCode.unavailable, message: error.message };
}
