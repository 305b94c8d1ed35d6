// Client options for the loopback fakes and dynalite: a region and dummy credentials (never real
// ones), and retries a few milliseconds apart so a retried call stays fast in tests.
import type { AwsClientOptions } from '../../../functions/adapters/aws/aws-clients';

export const FAKE_AWS = {
  region: 'eu-west-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
} as const;

/** Options reaching `endpoint`, with `maxAttempts` attempts 2 ms apart. */
export function loopbackClient(endpoint: string, maxAttempts = 3): AwsClientOptions {
  return { ...FAKE_AWS, endpoint, maxAttempts, retryDelayMs: 2 };
}
