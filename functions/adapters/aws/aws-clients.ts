// What the AWS adapters share: client settings (region, endpoint, retries) and the error a failed
// AWS call becomes. Imports no service client, so each Lambda bundle holds only the clients its
// adapters call; never puts a value that may be secret into an error message or its cause.
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { RedisHaError, redact } from '../../core/errors';

/** How an adapter builds its SDK client when none is injected. */
export interface AwsClientOptions {
  /** Default: the SDK's chain (`AWS_REGION`, profile). */
  readonly region?: string;
  /** Default: the SDK's (`AWS_ENDPOINT_URL_<SERVICE>` is honoured by the SDK itself). */
  readonly endpoint?: string;
  /** Total attempts per call, first one included. Default: the SDK's (3). */
  readonly maxAttempts?: number;
  /**
   * Fixed delay between attempts. Default: the SDK's exponential backoff with jitter (base 100 ms,
   * 500 ms when throttled); tests and loopback fakes set a few ms.
   */
  readonly retryDelayMs?: number;
  /** Default: the SDK's credential chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The common part of every SDK v3 client configuration. */
export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  maxAttempts?: number;
  retryStrategy?: ConfiguredRetryStrategy;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The SDK client configuration for `options`; unset options keep the SDK's defaults. */
export function awsClientConfig(options: AwsClientOptions = {}): AwsClientConfig {
  const config: AwsClientConfig = {};
  if (options.region) config.region = options.region;
  if (options.endpoint) config.endpoint = options.endpoint;
  if (options.credentials) config.credentials = { ...options.credentials };
  if (options.retryDelayMs !== undefined) {
    // The SDK's retry middleware still classifies errors (throttling, 5xx, transient network);
    // only the backoff is fixed.
    config.retryStrategy = new ConfiguredRetryStrategy(
      options.maxAttempts ?? 3,
      options.retryDelayMs,
    );
  } else if (options.maxAttempts !== undefined) {
    config.maxAttempts = options.maxAttempts;
  }
  return config;
}

/** An AWS call that failed after the SDK's retries; `errorName` is the service's error code. */
export class AwsCallError extends RedisHaError {
  constructor(
    readonly service: string,
    readonly operation: string,
    readonly errorName: string,
    readonly httpStatusCode: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`AWS_${service.toUpperCase()}_FAILED`, message, options);
    this.name = 'AwsCallError';
  }
}

/**
 * Wraps what an SDK call threw. With `secrets` (values sent in that call), the service's message
 * is redacted and the original error is not chained, since services may echo their input.
 */
export function awsCallError(
  service: string,
  operation: string,
  target: string,
  error: unknown,
  secrets: readonly string[] = [],
): AwsCallError {
  const name = errorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  const detail = redact(error instanceof Error ? error.message : String(error), secrets);
  return new AwsCallError(
    service,
    operation,
    name,
    status,
    `${service} ${operation} ${target} failed: ${name}${detail && detail !== name ? `: ${detail}` : ''}`,
    secrets.length > 0 ? undefined : { cause: error },
  );
}

/** The service error code of an SDK error (`ParameterNotFound`, `ThrottlingException`, ...). */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}
