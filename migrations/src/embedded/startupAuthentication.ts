// The start-up phase of a connection to the embedded server, done here before PGlite sees the connection: PGlite
// runs in single-user mode and answers any user, password and database name with AuthenticationOk, so any local
// process could read and write the atlas, and a second atlas pointed at a wrong database name joined the live one.
// Here the client must name the one database and user, and prove the data folder's password by SCRAM-SHA-256
// (RFC 5802 / 7677, what PostgreSQL itself uses; node-postgres speaks it), which never sends the password itself.
// PGlite then receives the start-up message and answers it as before (AuthenticationOk, parameters, ReadyForQuery).
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';

/** Codes of untyped start-up packets (PostgreSQL protocol, "Message Formats"). */
const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Authentication request codes of the 'R' message. */
const AUTH_SASL = 10;
const AUTH_SASL_CONTINUE = 11;
const AUTH_SASL_FINAL = 12;
/** PostgreSQL's own default (scram_iterations). */
const ITERATIONS = 4096;
/** A client that has not finished logging in by then is dropped, so idle sockets cannot pile up. */
const STARTUP_TIMEOUT_MS = 10_000;

export interface ServerCredentials {
  user: string;
  database: string;
  password: string;
  /** Where a person finds the password (named in the refusal). */
  passwordFile: string;
}

/** The salted secrets of one password, computed once per server (PBKDF2 is deliberately slow). */
export interface ScramSecret {
  user: string;
  database: string;
  passwordFile: string;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, text: string | Buffer) => createHmac('sha256', key).update(text).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

export function scramSecret(credentials: ServerCredentials): ScramSecret {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(credentials.password, salt, ITERATIONS, 32, 'sha256');
  return {
    user: credentials.user,
    database: credentials.database,
    passwordFile: credentials.passwordFile,
    salt,
    storedKey: sha256(hmac(salted, 'Client Key')),
    serverKey: hmac(salted, 'Server Key'),
  };
}

/** What the client sent once it is let in: its start-up message and whatever followed it, for PGlite. */
export interface Admitted {
  bytes: Buffer;
}

class Refused extends Error {
  constructor(
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
  }
}

function authMessage(code: number, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = Buffer.from(data);
  const msg = Buffer.alloc(9 + body.length);
  msg.write('R', 0);
  msg.writeInt32BE(8 + body.length, 1);
  msg.writeInt32BE(code, 5);
  body.copy(msg, 9);
  return msg;
}

/** A FATAL ErrorResponse a client shows as its error (node-postgres: `err.code`, `err.message`). */
export function fatalMessage(sqlState: string, text: string): Buffer {
  const fields = `SFATAL\0VFATAL\0C${sqlState}\0M${text}\0\0`;
  const msg = Buffer.alloc(5 + Buffer.byteLength(fields));
  msg.write('E', 0);
  msg.writeInt32BE(4 + Buffer.byteLength(fields), 1);
  msg.write(fields, 5);
  return msg;
}

/** Reads whole packets off a socket: untyped `[Int32 length]…` during start-up, typed `[type][Int32 length]…` after. */
class PacketReader {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onClose);
  }

  private onData = (chunk: Buffer) => {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    this.waiting?.();
  };

  private onClose = () => {
    this.failure ??= new Error('the client closed the connection during start-up');
    this.waiting?.();
  };

  private async need(bytes: number): Promise<void> {
    while (this.buffer.length < bytes) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
  }

  private take(bytes: number): Buffer {
    const out = this.buffer.subarray(0, bytes);
    this.buffer = this.buffer.subarray(bytes);
    return out;
  }

  async untyped(): Promise<Buffer> {
    await this.need(4);
    const length = this.buffer.readInt32BE(0);
    if (length < 8 || length > 10_000) throw new Refused('08P01', `invalid start-up packet length ${length}`);
    await this.need(length);
    return this.take(length);
  }

  /** A typed message of type `type`; returns its body (after the length). */
  async typed(type: string): Promise<Buffer> {
    await this.need(5);
    const got = String.fromCharCode(this.buffer[0]);
    const length = this.buffer.readInt32BE(1);
    if (got !== type) throw new Refused('08P01', `expected a password message ('${type}'), got '${got}'`);
    if (length < 4 || length > 10_000) throw new Refused('08P01', `invalid message length ${length}`);
    await this.need(1 + length);
    return this.take(1 + length).subarray(5);
  }

  /** Stop listening (the socket stays paused until its next reader resumes it); returns what arrived beyond the packets read. */
  release(): Buffer {
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    this.socket.off('error', this.onClose);
    return this.buffer;
  }
}

/** `key=value` attributes of a SCRAM message. */
function attributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    const at = part.indexOf('=');
    if (at > 0) out.set(part.slice(0, at), part.slice(at + 1));
  }
  return out;
}

function startupParameters(packet: Buffer): Map<string, string> {
  const fields = packet.subarray(8).toString('utf8').split('\0');
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length && fields[i] !== ''; i += 2) out.set(fields[i], fields[i + 1]);
  return out;
}

async function exchange(socket: Socket, reader: PacketReader, secret: ScramSecret): Promise<Buffer> {
  let startup: Buffer;
  for (;;) {
    startup = await reader.untyped();
    const code = startup.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      socket.write('N'); // no encryption on the loopback; the client goes on in plain text
      continue;
    }
    if (code === CANCEL_REQUEST) throw new Refused('08P01', 'cancel requests are not supported');
    if (code !== PROTOCOL_3) throw new Refused('08P01', `unsupported protocol ${code >> 16}.${code & 0xffff}`);
    break;
  }
  const parameters = startupParameters(startup);
  const user = parameters.get('user') ?? '';
  const database = parameters.get('database') || user;
  // Names first, as PostgreSQL answers them: a client pointed at the wrong database learns that, not "bad password".
  if (user !== secret.user)
    throw new Refused(
      '28000',
      `role "${user}" does not exist (the embedded database's user is "${secret.user}"; its password is in ${secret.passwordFile})`,
    );
  if (database !== secret.database)
    throw new Refused(
      '3D000',
      `database "${database}" does not exist (the embedded database serves only "${secret.database}")`,
    );
  socket.write(authMessage(AUTH_SASL, 'SCRAM-SHA-256\0\0'));

  const initial = await reader.typed('p');
  const mechanismEnd = initial.indexOf(0);
  const mechanism = initial.subarray(0, mechanismEnd).toString();
  if (mechanism !== 'SCRAM-SHA-256') throw new Refused('28000', `unsupported SASL mechanism ${mechanism}`);
  const clientFirst = initial.subarray(mechanismEnd + 5).toString('utf8');
  if (!clientFirst.startsWith('n,')) throw new Refused('28000', 'channel binding is not supported');
  const clientFirstBare = clientFirst.slice(clientFirst.indexOf(',', 2) + 1);
  const clientNonce = attributes(clientFirstBare).get('r');
  if (!clientNonce) throw new Refused('08P01', 'malformed SCRAM client-first message');
  const nonce = clientNonce + randomBytes(18).toString('base64');
  const serverFirst = `r=${nonce},s=${secret.salt.toString('base64')},i=${ITERATIONS}`;
  socket.write(authMessage(AUTH_SASL_CONTINUE, serverFirst));

  const clientFinal = (await reader.typed('p')).toString('utf8');
  const final = attributes(clientFinal);
  const proof = Buffer.from(final.get('p') ?? '', 'base64');
  const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(',p='));
  const message = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const clientKey = Buffer.alloc(32);
  if (final.get('r') === nonce && proof.length === 32) {
    const signature = hmac(secret.storedKey, message);
    for (let i = 0; i < 32; i++) clientKey[i] = proof[i] ^ signature[i];
  }
  if (!timingSafeEqual(sha256(clientKey), secret.storedKey))
    throw new Refused(
      '28P01',
      `password authentication failed for user "${user}" (the embedded database's password is in ${secret.passwordFile})`,
    );
  socket.write(authMessage(AUTH_SASL_FINAL, `v=${hmac(secret.serverKey, message).toString('base64')}`));
  return startup;
}

/**
 * Run the start-up phase on a new connection: answers SSL requests, checks user, password (SCRAM-SHA-256) and
 * database name. Resolves with the bytes PGlite must receive, or undefined after refusing (and closing) the socket.
 */
export async function admitConnection(socket: Socket, secret: ScramSecret): Promise<Admitted | undefined> {
  const reader = new PacketReader(socket);
  const timer = setTimeout(() => socket.destroy(), STARTUP_TIMEOUT_MS);
  try {
    const startup = await exchange(socket, reader, secret);
    return { bytes: Buffer.concat([startup, reader.release()]) };
  } catch (err) {
    reader.release();
    if (err instanceof Refused && !socket.destroyed) socket.end(fatalMessage(err.sqlState, err.message));
    else socket.destroy();
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
