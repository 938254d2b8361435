// A page's not-found decision: the api's NOT_FOUND code gives Next's 404, anything else (whatever its message says)
// is thrown on to the error page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notFound } from 'next/navigation';
import { ApiAnswerError } from './api-answer';
import { orNotFound } from './not-found';

/** What Next's notFound() throws (its digest tells Next to render the 404 page). */
function notFoundSignal(): { digest?: string } {
  try {
    notFound();
  } catch (signal) {
    return signal as { digest?: string };
  }
  throw new Error('notFound() returned');
}

test('NOT_FOUND from the api becomes the 404 page, though its message does not say so', async () => {
  const err = await orNotFound(Promise.reject(new ApiAnswerError('NOT_FOUND', 'dictionary 7 is elsewhere'))).catch(
    (e: unknown) => e as { digest?: string },
  );
  assert.ok(notFoundSignal().digest);
  assert.equal(err.digest, notFoundSignal().digest);
});

test('another code, or an error without one, is thrown on unchanged even when it reads like not-found', async () => {
  for (const failure of [new ApiAnswerError('BAD_USER_INPUT', 'no dictionary 7'), new Error('no dictionary 7')])
    await assert.rejects(orNotFound(Promise.reject(failure)), (e) => e === failure);
});

test('an answer passes through', async () => {
  assert.deepEqual(await orNotFound(Promise.resolve({ dictionary: null })), { dictionary: null });
});
