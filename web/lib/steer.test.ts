import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedPositions, parseIntervention, readSteerParams, steerSearch, type SteerState } from './steer';

test('a state survives the URL: several features of several dictionaries, sampling and an odd prompt', () => {
  const state: SteerState = {
    prompt: 'He walked & ran: "under" the bridge?',
    interventions: [
      { dictionaryId: '3', index: 100, mode: 'ADD', strength: 4 },
      { dictionaryId: '7', index: 2, mode: 'CLAMP', strength: -0.5 },
      { dictionaryId: '3', index: 5, mode: 'ABLATE', strength: 0 },
    ],
    sampling: { maxNewTokens: 12, temperature: 0.7, seed: 42 },
  };
  const params: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(steerSearch(state))) {
    const had = params[k];
    params[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  assert.deepEqual(readSteerParams(params), { state, problems: [] });
});

test('missing sampling takes the defaults; a bad intervention is named, the good ones kept', () => {
  const { state, problems } = readSteerParams({ prompt: 'x', i: '1:2:ADD:4,1:x:ADD:4,1:2:PUSH:1' });
  assert.deepEqual(state.interventions, [{ dictionaryId: '1', index: 2, mode: 'ADD', strength: 4 }]);
  assert.deepEqual(state.sampling, { maxNewTokens: 24, temperature: 0, seed: 0 });
  assert.equal(problems.length, 2);
  assert.match(problems[0], /feature index "x"/);
  assert.match(problems[1], /mode "PUSH" is not one of ADD, CLAMP, ABLATE/);
});

test('parseIntervention names the expected shape', () => {
  assert.match(parseIntervention('1:2') as string, /dictionaryId:index:mode:strength/);
  assert.match(parseIntervention('1:2:ADD:') as string, /strength "" is not a number/);
});

test('changed tokens: those differing from the default at the same position, and any beyond its end', () => {
  assert.deepEqual(changedPositions([1, 2, 3], [1, 9, 3, 4]), [false, true, false, true]);
  assert.deepEqual(changedPositions([1, 2], []), []);
});
