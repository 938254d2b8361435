import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  changedPositions,
  formatPositions,
  parseIntervention,
  parsePositions,
  readRow,
  readSteerParams,
  steerSearch,
  type SteerState,
} from './steer';

/** A URL's query string as Next.js hands it to a page: a repeated key becomes an array. */
function paramsOf(search: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(search)) {
    const had = params[k];
    params[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  return params;
}

test('a state survives the URL: several features of several dictionaries, sampling and an odd prompt', () => {
  const state: SteerState = {
    prompt: 'He walked & ran: "under" the bridge?',
    interventions: [
      { dictionaryId: '3', index: 100, mode: 'ADD', strength: 4, unit: 'MAX', positions: null },
      { dictionaryId: '7', index: 2, mode: 'CLAMP', strength: -0.5, unit: 'RAW', positions: null },
      { dictionaryId: '3', index: 5, mode: 'ABLATE', strength: 0, unit: 'MAX', positions: [0, 3, 4, 5] },
      { dictionaryId: '7', index: 9, mode: 'ADD', strength: 12.5, unit: 'RAW', positions: [7] },
    ],
    sampling: { maxNewTokens: 12, temperature: 0.7, seed: 42 },
  };
  const search = steerSearch(state);
  assert.deepEqual(readSteerParams(paramsOf(search)), { state, problems: [] });
  // Defaults stay out of the URL, so links from before units and positions read the same.
  assert.deepEqual(new URLSearchParams(search).getAll('i'), ['3:100:ADD:4', '7:2:CLAMP:-0.5:RAW', '3:5:ABLATE:0:MAX:0,3-5', '7:9:ADD:12.5:RAW:7']); // prettier-ignore
});

test('an old URL (dictionaryId:index:mode:strength, comma-separated) loads as × max activation at every position', () => {
  const { state, problems } = readSteerParams(paramsOf('prompt=Hi&i=3:100:ADD:4,7:2:CLAMP:1&i=3:5:ABLATE:0'));
  assert.deepEqual(problems, []);
  assert.deepEqual(
    state.interventions.map((i) => [i.dictionaryId, i.index, i.unit, i.positions]),
    [
      ['3', 100, 'MAX', null],
      ['7', 2, 'MAX', null],
      ['3', 5, 'MAX', null],
    ],
  );
});

test('positions inside a comma-separated i keep their commas', () => {
  const { state, problems } = readSteerParams({ prompt: 'x', i: '3:1:ADD:2:RAW:1,4-5,3:2:ADD:1' });
  assert.deepEqual(problems, []);
  assert.deepEqual(
    state.interventions.map((i) => [i.index, i.positions]),
    [
      [1, [1, 4, 5]],
      [2, null],
    ],
  );
});

test('positions: all, a list with ranges, and bad ones named with what to write', () => {
  assert.equal(parsePositions(''), null);
  assert.equal(parsePositions(' ALL '), null);
  assert.deepEqual(parsePositions('7, 3,5-6,5'), [3, 5, 6, 7]);
  assert.equal(formatPositions([3, 5, 6, 7]), '3,5-7');
  for (const bad of ['x', '3,', '-1', '5-3', '1.5', '2-'])
    assert.match(
      parsePositions(bad) as string,
      /^positions ".*": ".*" is not a position or a range; write all, or a list like 3,5-7/,
      bad,
    );
  assert.match(parsePositions('0-99999') as string, /more than 4096 positions/);
  assert.match(
    readRow({ dictionaryId: '1', index: 2, mode: 'ADD', strength: 4, unit: 'MAX', positions: '3;4' }) as string,
    /positions "3;4"/,
  );
  assert.match(parseIntervention('1:2:ADD:4:RAW:x') as string, /^"1:2:ADD:4:RAW:x": positions "x"/);
  assert.match(parseIntervention('1:2:ADD:4:PEAK') as string, /unit "PEAK" is not MAX or RAW/);
});

test('missing sampling takes the defaults; a bad intervention is named, the good ones kept', () => {
  const { state, problems } = readSteerParams({ prompt: 'x', i: '1:2:ADD:4,1:x:ADD:4,1:2:PUSH:1' });
  assert.deepEqual(state.interventions, [
    { dictionaryId: '1', index: 2, mode: 'ADD', strength: 4, unit: 'MAX', positions: null },
  ]);
  assert.deepEqual(state.sampling, { maxNewTokens: 24, temperature: 0, seed: 0 });
  assert.equal(problems.length, 2);
  assert.match(problems[0], /feature index "x"/);
  assert.match(problems[1], /mode "PUSH" is not one of ADD, CLAMP, ABLATE/);
});

test('parseIntervention names the expected shape', () => {
  assert.match(parseIntervention('1:2') as string, /dictionaryId:index:mode:strength/);
  assert.match(parseIntervention('1:2:ADD:4:RAW:3:9') as string, /dictionaryId:index:mode:strength/);
  assert.match(parseIntervention('1:2:ADD:') as string, /strength "" is not a number/);
});

test('changed tokens: those differing from the default at the same position, and any beyond its end', () => {
  assert.deepEqual(changedPositions([1, 2, 3], [1, 9, 3, 4]), [false, true, false, true]);
  assert.deepEqual(changedPositions([1, 2], []), []);
});
