// Parses and formats Redis addresses (`host:port`, `[v6]:port`). Pure: no DNS, no I/O.

/** A Redis or sentinel address as clients dial it. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

const HOST_PORT =
  /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)):(\d{1,5})$/;

/** Parses `host:port` or `[ipv6]:port`; returns undefined when the text is not one. */
export function parseEndpoint(text: string): Endpoint | undefined {
  const match = HOST_PORT.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const host = match[1] ?? match[2];
  return host === undefined ? undefined : { host, port };
}

/** Formats an endpoint as `host:port`, bracketing IPv6 hosts. */
export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.host.includes(':')
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`;
}

export function sameEndpoint(
  a: Endpoint | undefined | null,
  b: Endpoint | undefined | null,
): boolean {
  return !!a && !!b && a.host === b.host && a.port === b.port;
}
