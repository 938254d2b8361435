import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiAnswerError } from './api-answer';
import { describeSteerFailure } from './steer-query';

test('BUSY says to retry; BAD_USER_INPUT keeps the api’s message; anything else as it came', () => {
  assert.match(
    describeSteerFailure(new ApiAnswerError('BUSY', 'steering is full')),
    /^The model is busy .* Try again in a few seconds\. \(steering is full\)$/,
  );
  assert.equal(
    describeSteerFailure(new ApiAnswerError('BAD_USER_INPUT', 'strength 5000 is beyond ±1000')),
    'Cannot steer this: strength 5000 is beyond ±1000',
  );
  assert.equal(describeSteerFailure(new Error('fetch failed')), 'fetch failed');
});
