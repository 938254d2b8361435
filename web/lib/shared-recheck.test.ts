// Coalesced checks: shared while one runs, but never answering with a check that began before the caller asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedRecheck } from './shared-recheck';

/** A check whose runs the test finishes by hand; each run answers `<key>@<state at the moment it began>`. */
function manualCheck() {
  let state = 0;
  const pending: { key: string; finish: () => void }[] = [];
  const recheck = new SharedRecheck<string, string>((key) => {
    const seen = `${key}@${state}`;
    return new Promise((resolve) => pending.push({ key, finish: () => resolve(seen) }));
  });
  return {
    recheck,
    pending,
    change: () => state++,
    finishNext: async () => {
      pending.shift()!.finish();
      // Let the settled check's callbacks (and a queued check's start) run.
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

test('a caller arriving while a check runs waits for the next one, which starts when the first ends', async () => {
  const m = manualCheck();
  const a = m.recheck.current('p');
  const b = m.recheck.current('p');
  // b arrived while a's check was already under way, so b waits for the next one.
  assert.equal(m.recheck.started, 1);
  await m.finishNext();
  assert.equal(await a, 'p@0');
  assert.equal(m.recheck.started, 2, 'the queued check started when the first ended');
  await m.finishNext();
  assert.equal(await b, 'p@0');
  assert.equal(m.recheck.inFlight, 0, 'a key with no check under way is forgotten');
});

test('a change made before a caller asks is always seen, even while an older check is under way', async () => {
  const m = manualCheck();
  const early = m.recheck.current('p'); // begins reading state 0
  m.change(); // e.g. another process adds an explanation
  const late = m.recheck.current('p');
  await m.finishNext();
  assert.equal(await early, 'p@0');
  await m.finishNext();
  assert.equal(await late, 'p@1', 'the late caller must not get the check that began before the change');
});

test('many callers during one check share a single next check', async () => {
  const m = manualCheck();
  void m.recheck.current('p');
  const waiting = Array.from({ length: 10 }, () => m.recheck.current('p'));
  await m.finishNext();
  assert.equal(m.recheck.started, 2, '10 callers, one queued check');
  await m.finishNext();
  assert.deepEqual(new Set(await Promise.all(waiting)), new Set(['p@0']));
  assert.equal(m.recheck.started, 2);
});

test('keys are independent: a check of one never waits on another', async () => {
  const m = manualCheck();
  const a = m.recheck.current('a');
  const b = m.recheck.current('b');
  assert.equal(m.recheck.started, 2);
  assert.equal(m.recheck.inFlight, 2);
  m.pending[1].finish();
  assert.equal(await b, 'b@0');
  m.pending[0].finish();
  assert.equal(await a, 'a@0');
});

test('a failed check fails its callers, and the next caller starts afresh', async () => {
  let calls = 0;
  const recheck = new SharedRecheck<string, number>(async () => {
    calls++;
    if (calls === 1) throw new Error('api down');
    return calls;
  });
  await assert.rejects(recheck.current('p'), /api down/);
  assert.equal(await recheck.current('p'), 2);
  assert.equal(recheck.inFlight, 0);
});
