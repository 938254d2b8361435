// PostgreSQL wire-protocol server over one PGlite instance: pglite-socket's connection handler, our queue.
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import { MessageFramer } from './messageFramer.js';
import { SerialProtocolQueue } from './serialProtocolQueue.js';

/** The socket as the handler sees it, except that its 'data' listeners receive whole messages (see MessageFramer). */
function framedSocket(socket: Socket): Socket {
  const facade: Socket = new Proxy(socket, {
    get(target, key) {
      if (key === 'on')
        return (event: string, listener: (...args: unknown[]) => void) => {
          if (event === 'data') {
            const framer = new MessageFramer((messages) => listener(messages));
            target.on('data', (chunk: Buffer) => framer.push(chunk));
          } else target.on(event, listener);
          return facade;
        };
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return facade;
}

export class WireServer {
  private server: Server | undefined;
  private readonly handlers = new Set<PGLiteSocketHandler>();
  private readonly queue: SerialProtocolQueue;

  constructor(
    db: PGlite,
    private readonly maxConnections: number,
  ) {
    this.queue = new SerialProtocolQueue(db);
  }

  /** Listen on 127.0.0.1:`port` (0 picks one); resolves to the bound port. */
  listen(port: number): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  private accept(socket: Socket): void {
    if (this.handlers.size >= this.maxConnections) {
      // An ErrorResponse the client can show, instead of a silent hang-up.
      const text = `SFATAL\0C53300\0Mtoo many connections to the embedded database (limit ${this.maxConnections}; raise ATLAS_DB_MAX_CONNECTIONS)\0\0`;
      const msg = Buffer.alloc(5 + Buffer.byteLength(text));
      msg.write('E', 0);
      msg.writeInt32BE(4 + Buffer.byteLength(text), 1);
      msg.write(text, 5);
      socket.end(msg);
      return;
    }
    const handler = new PGLiteSocketHandler({
      // Structural stand-in: the handler only calls enqueue/clearQueueForHandler/clearTransactionIfNeeded.
      queryQueue: this.queue as unknown as PGLiteSocketHandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    this.handlers.add(handler);
    const forget = () => this.handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    void handler.attach(framedSocket(socket));
  }

  get connections(): number {
    return this.handlers.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.handlers].map((h) => h.detach(true)));
    this.handlers.clear();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
