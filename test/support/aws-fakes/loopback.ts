// Client options for the loopback fakes and dynalite: a region and dummy credentials (never real
// ones), and retries a few milliseconds apart so a retried call stays fast in tests.
import type { IncomingMessage, Server } from 'node:http';
import type { AwsClientOptions } from '../../../functions/adapters/aws/aws-clients';

export const FAKE_AWS = {
  region: 'eu-west-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
} as const;

/** Options reaching `endpoint`, with `maxAttempts` attempts 2 ms apart. */
export function loopbackClient(endpoint: string, maxAttempts = 3): AwsClientOptions {
  return { ...FAKE_AWS, endpoint, maxAttempts, retryDelayMs: 2 };
}

/** The whole request body, as text. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** An awsQuery request's form body (`Action=Publish&...`) as name → value. */
export async function readQueryForm(request: IncomingMessage): Promise<Record<string, string>> {
  return Object.fromEntries(new URLSearchParams(await readBody(request)));
}

/** Stops a fake at once, dropping the SDK's kept-alive connections. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
