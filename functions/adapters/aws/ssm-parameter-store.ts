// ParameterStore on SSM Parameter Store: secure values are SecureStrings under one KMS key,
// reads decrypt, batch reads go ten names per call (the GetParameters limit). Never puts a value
// into an error message. A rotation's pending password is an ordinary parameter beside the
// current one (`<name>/pending`, see core/rotation.ts), so nothing here knows about rotations.
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersCommand,
  ParameterType,
  PutParameterCommand,
  SSMClient,
  paginateGetParameterHistory,
  paginateGetParametersByPath,
  type Parameter,
  type ParameterHistory,
} from '@aws-sdk/client-ssm';
import { RedisHaError } from '../../core/errors';
import type { ParameterStore, StoredParameter } from '../../core/ports';
import { awsCallError, awsClientConfig, errorName, type AwsClientOptions } from './aws-clients';

/** GetParameters accepts at most this many names per call. */
export const SSM_GET_PARAMETERS_BATCH = 10;

export interface SsmParameterStoreOptions {
  /** KMS key (id, ARN, `alias/...`) that encrypts SecureString values. */
  readonly kmsKeyId: string;
  /** A client to use as is (shared, or mocked in tests); else one is built from `client`. */
  readonly ssm?: SSMClient;
  /** How to build the client when `ssm` is not given. */
  readonly client?: AwsClientOptions;
}

export class SsmParameterStore implements ParameterStore {
  private readonly ssm: SSMClient;
  private readonly kmsKeyId: string;

  constructor(options: SsmParameterStoreOptions) {
    if (!options.kmsKeyId) {
      throw new RedisHaError('BAD_OPTIONS', 'SsmParameterStore: kmsKeyId is required');
    }
    this.kmsKeyId = options.kmsKeyId;
    this.ssm = options.ssm ?? new SSMClient(awsClientConfig(options.client));
  }

  async get(name: string): Promise<StoredParameter | undefined> {
    try {
      const { Parameter } = await this.ssm.send(
        new GetParameterCommand({ Name: name, WithDecryption: true }),
      );
      return Parameter && toStored(Parameter);
    } catch (error) {
      if (errorName(error) === 'ParameterNotFound') return undefined;
      throw awsCallError('SSM', 'GetParameter', name, error);
    }
  }

  async getMany(names: readonly string[]): Promise<Map<string, StoredParameter>> {
    const unique = [...new Set(names)];
    const batches: string[][] = [];
    for (let i = 0; i < unique.length; i += SSM_GET_PARAMETERS_BATCH) {
      batches.push(unique.slice(i, i + SSM_GET_PARAMETERS_BATCH));
    }
    const found = await Promise.all(
      batches.map(async (batch) => {
        try {
          const { Parameters = [] } = await this.ssm.send(
            new GetParametersCommand({ Names: batch, WithDecryption: true }),
          );
          return Parameters.map(toStored);
        } catch (error) {
          throw awsCallError('SSM', 'GetParameters', batch.join(', '), error);
        }
      }),
    );
    return new Map(found.flat().map((parameter) => [parameter.name, parameter]));
  }

  async put(name: string, value: string, options: { readonly isSecure: boolean }): Promise<number> {
    try {
      const { Version } = await this.ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: value,
          Overwrite: true,
          ...(options.isSecure
            ? { Type: ParameterType.SECURE_STRING, KeyId: this.kmsKeyId }
            : { Type: ParameterType.STRING }),
        }),
      );
      if (Version === undefined) throw new Error('PutParameter returned no Version');
      return Version;
    } catch (error) {
      throw awsCallError('SSM', 'PutParameter', name, error, [value]);
    }
  }

  async list(path: string, options: { readonly recursive: boolean }): Promise<StoredParameter[]> {
    if (!path.startsWith('/')) {
      throw new RedisHaError('BAD_PARAMETER_PATH', `parameter path ${path}: must start with /`);
    }
    const out: StoredParameter[] = [];
    try {
      const pages = paginateGetParametersByPath(
        { client: this.ssm },
        { Path: path, Recursive: options.recursive, WithDecryption: true },
      );
      for await (const page of pages) out.push(...(page.Parameters ?? []).map(toStored));
    } catch (error) {
      throw awsCallError('SSM', 'GetParametersByPath', path, error);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async history(name: string): Promise<StoredParameter[]> {
    const out: StoredParameter[] = [];
    try {
      const pages = paginateGetParameterHistory(
        { client: this.ssm },
        { Name: name, WithDecryption: true },
      );
      for await (const page of pages) out.push(...(page.Parameters ?? []).map(toStored));
    } catch (error) {
      if (errorName(error) === 'ParameterNotFound') return [];
      throw awsCallError('SSM', 'GetParameterHistory', name, error);
    }
    return out.sort((a, b) => a.version - b.version);
  }

  async delete(name: string): Promise<void> {
    try {
      await this.ssm.send(new DeleteParameterCommand({ Name: name }));
    } catch (error) {
      if (errorName(error) === 'ParameterNotFound') return;
      throw awsCallError('SSM', 'DeleteParameter', name, error);
    }
  }
}

function toStored(parameter: Parameter | ParameterHistory): StoredParameter {
  return {
    name: parameter.Name ?? '',
    value: parameter.Value ?? '',
    isSecure: parameter.Type === ParameterType.SECURE_STRING,
    version: parameter.Version ?? 0,
    updatedAt: (parameter.LastModifiedDate ?? new Date(0)).toISOString(),
  };
}
