// Hands pglite-socket's handler whole protocol messages only. The handler appends every socket chunk to its
// buffer with Buffer.concat, so a message spread over n 64 KiB chunks costs O(n²) copying: measured 600 ms for
// one 8 MiB bulk-load statement. Here chunks wait in a list and are joined once, when their messages are whole.

/** Untyped start-up packets (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest) carry these codes. */
const PROTOCOL_3 = 196608;

/** Splits a client's byte stream into runs of whole messages: `[Int32 length][...]` until start-up, then `[type][Int32 length][...]`. */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the message at the head of `chunks` needs in all, once its header is in. */
  private needed = 0;
  private started = false;

  constructor(private readonly emit: (messages: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.needed > this.buffered) return; // the common case of a long message: no scan, no copy
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    let at = 0;
    for (;;) {
      const size = this.messageSize(all, at);
      if (size === undefined || at + size > all.length) {
        this.needed = size === undefined ? 0 : size;
        break;
      }
      if (!this.started && all.readInt32BE(at + 4) === PROTOCOL_3) this.started = true;
      at += size;
    }
    this.chunks = at < all.length ? [all.subarray(at)] : [];
    this.buffered = all.length - at;
    if (at > 0) this.emit(all.subarray(0, at));
  }

  /** The whole size of the message starting at `at`, or undefined while its header is incomplete. */
  private messageSize(all: Buffer, at: number): number | undefined {
    if (!this.started) {
      return all.length - at < 8 ? undefined : all.readInt32BE(at);
    }
    if (all.length - at < 5) return undefined;
    return 1 + all.readInt32BE(at + 1);
  }
}
