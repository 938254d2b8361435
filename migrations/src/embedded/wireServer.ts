// PostgreSQL wire-protocol server over one PGlite instance: our start-up phase (user, database, SCRAM password),
// then pglite-socket's connection handler and our queue.
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import type { EngineWriteClock } from './engineWriteClock.js';
import { MessageFramer } from './messageFramer.js';
import { SerialProtocolQueue } from './serialProtocolQueue.js';
import {
  admitConnection,
  fatalMessage,
  scramSecret,
  type ScramSecret,
  type ServerCredentials,
} from './startupAuthentication.js';

/**
 * The socket as the handler sees it, except that its 'data' listeners receive whole messages (see MessageFramer),
 * starting with `initial` (what arrived during the start-up phase).
 */
function framedSocket(socket: Socket, initial: Buffer): Socket {
  const facade: Socket = new Proxy(socket, {
    get(target, key) {
      if (key === 'on')
        return (event: string, listener: (...args: unknown[]) => void) => {
          if (event === 'data') {
            const framer = new MessageFramer((messages) => listener(messages));
            target.on('data', (chunk: Buffer) => framer.push(chunk));
            if (initial.length) framer.push(initial);
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
  /** Connections still in their start-up phase. */
  private readonly starting = new Set<Socket>();
  private readonly queue: SerialProtocolQueue;
  private readonly secret: ScramSecret;

  constructor(
    db: PGlite,
    private readonly maxConnections: number,
    credentials: ServerCredentials,
  ) {
    this.queue = new SerialProtocolQueue(db);
    this.secret = scramSecret(credentials);
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
    if (this.handlers.size + this.starting.size >= this.maxConnections) {
      // An ErrorResponse the client can show, instead of a silent hang-up.
      socket.end(
        fatalMessage(
          '53300',
          `too many connections to the embedded database (limit ${this.maxConnections}; raise ATLAS_DB_MAX_CONNECTIONS)`,
        ),
      );
      return;
    }
    this.starting.add(socket);
    void admitConnection(socket, this.secret).then((admitted) => {
      this.starting.delete(socket);
      if (admitted && !socket.destroyed) this.attach(socket, admitted.bytes);
    });
  }

  private attach(socket: Socket, initial: Buffer): void {
    const handler = new PGLiteSocketHandler({
      // Structural stand-in: the handler only calls enqueue/clearQueueForHandler/clearTransactionIfNeeded.
      queryQueue: this.queue as unknown as PGLiteSocketHandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    this.handlers.add(handler);
    const forget = () => this.handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    void handler.attach(framedSocket(socket, initial));
    socket.resume(); // paused since the start-up phase, so no byte went past between the two readers
  }

  /** When data may have changed (see engineWriteClock.ts). */
  get writes(): EngineWriteClock {
    return this.queue.writes;
  }

  get connections(): number {
    return this.handlers.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.handlers].map((h) => h.detach(true)));
    this.handlers.clear();
    for (const socket of this.starting) socket.destroy();
    this.starting.clear();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
