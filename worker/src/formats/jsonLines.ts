// JSON Lines (one JSON value per line, https://jsonlines.org), read and written synchronously in chunks so a
// file of millions of rows streams through bounded memory and can feed synchronous iterators.
import {
  closeSync,
  createReadStream,
  createWriteStream,
  openSync,
  readSync,
  writeSync,
  type WriteStream,
} from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip } from 'node:zlib';
import { AtlasError } from '../errors.js';

/** The values of a .jsonl file in order, with their 1-based line numbers; blank lines are skipped. */
export function* readJsonLines(path: string): Generator<{ line: number; value: unknown }> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new AtlasError('SOURCE_NOT_FOUND', `${path}: cannot open (${(err as Error).message})`, { cause: err });
  }
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let rest = '';
    let line = 0;
    const parse = (text: string) => {
      line++;
      if (text.trim() === '') return undefined;
      try {
        return { line, value: JSON.parse(text) as unknown };
      } catch (err) {
        throw new AtlasError(
          'SOURCE_MALFORMED',
          `${path}: line ${line} is not valid JSON (${(err as Error).message}); the file may be truncated, export again`,
        );
      }
    };
    // Decode with a streaming decoder so a multi-byte character split across chunks stays whole.
    const decoder = new TextDecoder('utf-8');
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      rest += decoder.decode(chunk.subarray(0, n), { stream: n > 0 });
      const lines = rest.split('\n');
      rest = n > 0 ? lines.pop()! : '';
      for (const text of lines) {
        const parsed = parse(text);
        if (parsed) yield parsed;
      }
      if (n === 0) break;
    }
  } finally {
    closeSync(fd);
  }
}

/** Appends JSON values as lines to a new file, buffering writes. */
export class JsonLinesWriter {
  private fd: number;
  private buffer: string[] = [];
  private size = 0;
  private closed = false;
  count = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx');
  }

  write(value: unknown): void {
    const text = JSON.stringify(value) + '\n';
    this.buffer.push(text);
    this.size += text.length;
    this.count++;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const bytes = Buffer.from(this.buffer.join(''), 'utf8');
    for (let done = 0; done < bytes.length;) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.buffer = [];
    this.size = 0;
  }

  /** Flush and close; a second call does nothing (so error paths can close everything). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * The raw lines of a .jsonl or .jsonl.gz file with their 1-based numbers, streamed (gunzip + readline), so a
 * file of many GB never sits in memory; blank lines are skipped. Parsing is the caller's, so it can report every
 * bad line instead of stopping at the first.
 */
export async function* streamTextLines(path: string): AsyncGenerator<{ line: number; text: string }> {
  const file = createReadStream(path);
  const input = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  // A read or gunzip error surfaces through readline's iterator only for the file stream, so forward gunzip's.
  if (input !== file) file.on('error', (err) => input.destroy(err));
  const reader = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of reader) {
      line++;
      if (text.trim() !== '') yield { line, text };
    }
  } catch (err) {
    throw new AtlasError(
      'SOURCE_MALFORMED',
      `${path}: cannot read past line ${line} (${(err as Error).message}); the file may be truncated, download it again`,
      { cause: err },
    );
  } finally {
    reader.close();
    file.destroy();
  }
}

/** Appends JSON values as lines to a new gzipped file (.jsonl.gz), streamed with backpressure. */
export class GzipJsonLinesWriter {
  private gzip = createGzip({ level: 5 });
  private file: WriteStream;
  private done: Promise<void>;
  count = 0;

  constructor(readonly path: string) {
    this.file = createWriteStream(path, { flags: 'wx' });
    this.gzip.pipe(this.file);
    this.done = new Promise((resolve, reject) => {
      this.file.on('finish', resolve);
      this.file.on('error', reject);
      this.gzip.on('error', reject);
    });
  }

  async write(value: unknown): Promise<void> {
    this.count++;
    if (!this.gzip.write(JSON.stringify(value) + '\n'))
      await new Promise<void>((resolve) => this.gzip.once('drain', resolve));
  }

  async close(): Promise<void> {
    this.gzip.end();
    await this.done;
  }
}
