// A loopback TCP forwarder: gives a Redis node a second address, the way a NAT or a port map
// does. It can stop accepting new connections while the established ones keep flowing, which
// makes an address that the sentinels use but nobody can dial any more. It can also be pointed
// at another port, as a DNS name that follows a primary is (new connections only).
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export class TcpForwarder {
  private isAccepting = true;

  private constructor(
    private readonly server: Server,
    /** Both ends of every forwarded connection, so that `stop` can drop them. */
    private readonly sockets: Set<Socket>,
    /** The port it listens on, on 127.0.0.1. */
    readonly port: number,
    /** Where new connections go; `retarget` moves it. */
    private readonly target: { port: number },
  ) {}

  /** Listens on a free port of 127.0.0.1 and forwards every connection to `targetPort`. */
  static async start(targetPort: number): Promise<TcpForwarder> {
    const sockets = new Set<Socket>();
    const target = { port: targetPort };
    const server = createServer((inbound) => {
      const outbound = connect(target.port, '127.0.0.1');
      for (const socket of [inbound, outbound]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new TcpForwarder(server, sockets, (server.address() as AddressInfo).port, target);
  }

  /** Sends new connections to `targetPort` from now on; established ones stay where they are. */
  retarget(targetPort: number): void {
    this.target.port = targetPort;
  }

  /** Refuses new connections from now on; the established ones keep working. */
  refuseNew(): void {
    if (!this.isAccepting) return;
    this.isAccepting = false;
    this.server.close();
  }

  /** Drops every connection and stops listening. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (this.isAccepting) {
      this.isAccepting = false;
      await new Promise((resolve) => this.server.close(resolve));
    }
  }
}
