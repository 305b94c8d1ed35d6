// A TCP proxy in front of a real sentinel or node that fails a connection part-way: commands
// pass until one matches `stallFrom`, then that command and everything after it are held
// until the client hangs up (or, with `reset`, the client's connection is reset). Replies to
// the commands that passed come back on time, so the client sees a reply that is only partly
// late. Test-only; loopback only.
import { createServer, connect, type Server, type Socket } from 'node:net';

/** Splits complete RESP command arrays off the front of `buffer`. */
function splitCommands(buffer: Buffer): {
  commands: { words: string[]; raw: Buffer }[];
  rest: Buffer;
} {
  const commands: { words: string[]; raw: Buffer }[] = [];
  let offset = 0;
  const line = (from: number) => {
    const end = buffer.indexOf('\r\n', from);
    return end < 0 ? null : { text: buffer.toString('utf8', from, end), next: end + 2 };
  };
  for (;;) {
    const header = line(offset);
    if (!header || !header.text.startsWith('*')) break;
    const words: string[] = [];
    let cursor = header.next;
    let isComplete = true;
    for (let i = 0; i < Number(header.text.slice(1)); i++) {
      const size = line(cursor);
      if (!size) {
        isComplete = false;
        break;
      }
      const length = Number(size.text.slice(1));
      if (buffer.length < size.next + length + 2) {
        isComplete = false;
        break;
      }
      words.push(buffer.toString('utf8', size.next, size.next + length));
      cursor = size.next + length + 2;
    }
    if (!isComplete) break;
    commands.push({ words, raw: buffer.subarray(offset, cursor) });
    offset = cursor;
  }
  return { commands, rest: buffer.subarray(offset) };
}

export interface StallProxy {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts a proxy to `127.0.0.1:targetPort` that stalls from the first command `stallFrom` accepts. */
export async function startStallProxy(
  targetPort: number,
  stallFrom: (words: readonly string[]) => boolean,
  options: { reset?: boolean } = {},
): Promise<StallProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let pending: Buffer = Buffer.alloc(0);
    let isStalled = false;
    client.on('data', (chunk: Buffer) => {
      if (isStalled) return;
      const { commands, rest } = splitCommands(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const { words, raw } of commands) {
        if (stallFrom(words)) {
          isStalled = true;
          // Replies already on their way reach the client first; then the RST.
          if (options.reset) setImmediate(() => client.resetAndDestroy());
          return;
        }
        upstream.write(raw);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
