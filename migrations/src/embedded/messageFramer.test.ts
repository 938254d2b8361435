import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageFramer } from './messageFramer.js';

function untyped(code: number, body = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(8 + body.length);
  b.writeInt32BE(b.length, 0);
  b.writeInt32BE(code, 4);
  body.copy(b, 8);
  return b;
}

function typed(type: string, bodyLength: number, fill: number): Buffer {
  const b = Buffer.alloc(5 + bodyLength, fill);
  b.write(type, 0);
  b.writeInt32BE(4 + bodyLength, 1);
  return b;
}

test('whole messages come out in order, however the stream is cut', () => {
  const ssl = untyped(80877103);
  const startup = untyped(196608, Buffer.from('user\0postgres\0\0'));
  const messages = [ssl, startup, typed('P', 40, 1), typed('B', 200_000, 2), typed('E', 5, 3), typed('S', 0, 4)];
  const stream = Buffer.concat(messages);
  const boundaries = new Set<number>();
  messages.reduce((at, m) => (boundaries.add(at + m.length), at + m.length), 0);
  for (const cut of [1, 3, 7, 64, 1000, 65536, stream.length]) {
    const out: Buffer[] = [];
    const framer = new MessageFramer((m) => out.push(Buffer.from(m)));
    for (let at = 0; at < stream.length; at += cut) framer.push(stream.subarray(at, at + cut));
    assert.deepEqual(Buffer.concat(out), stream, `cut ${cut}: bytes differ`);
    let end = 0;
    for (const m of out) {
      end += m.length;
      assert.ok(boundaries.has(end), `cut ${cut}: an emission ends inside a message, at byte ${end}`);
    }
  }
});
