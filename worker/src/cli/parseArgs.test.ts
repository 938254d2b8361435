// The one numeric-flag parser: what it accepts, what it refuses and how it says so; and, through the real CLI, that
// commands which used to read numbers with a bare Number() now refuse a bad value before doing any work.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtlasError } from '../errors.js';
import { integerFlag, numberFlag, parseNumber } from './parseArgs.js';
import { runCli } from './runCli.testing.js';

/** The ARGUMENT_INVALID message `parse` throws. */
function refusal(parse: () => number): string {
  try {
    parse();
  } catch (err) {
    assert.ok(err instanceof AtlasError, `an AtlasError, not ${String(err)}`);
    assert.equal(err.code, 'ARGUMENT_INVALID');
    return err.message;
  }
  assert.fail('the value was accepted');
}

describe('parseNumber', () => {
  it('returns the number a good value spells', () => {
    assert.equal(parseNumber('--batch', '64', { integer: true, min: 1 }), 64);
    assert.equal(parseNumber('--lr', '3e-3', { min: Number.MIN_VALUE }), 0.003);
    assert.equal(parseNumber('--seed', '-7', { integer: true }), -7);
    assert.equal(parseNumber('--correlation', '1', { min: 0, max: 1 }), 1);
    assert.equal(parseNumber('--tokens', '1e3', { integer: true, min: 1 }), 1000);
  });

  it('refuses what is not a finite number, naming the flag, the bound and the value', () => {
    for (const bad of ['abc', 'NaN', '', '   ', '1e999', '-1e999', 'Infinity', '12abc'])
      assert.equal(
        refusal(() => parseNumber('--max-tokens', bad, { integer: true, min: 1 })),
        `--max-tokens must be an integer >= 1 (got "${bad}")`,
      );
  });

  it('refuses a fraction, or an integer past 2^53, where an integer is needed', () => {
    assert.equal(
      refusal(() => parseNumber('--batch', '1.5', { integer: true })),
      '--batch must be an integer (got "1.5")',
    );
    assert.equal(
      refusal(() => parseNumber('--batch', '9007199254740993', { integer: true })),
      '--batch must be an integer (got "9007199254740993")',
    );
    assert.equal(parseNumber('--l0', '1.5'), 1.5);
  });

  it('refuses values out of range, and states an exclusive zero bound', () => {
    assert.equal(
      refusal(() => parseNumber('--k', '9', { integer: true, min: 1, max: 8 })),
      '--k must be an integer >= 1 and <= 8 (got "9")',
    );
    assert.equal(
      refusal(() => parseNumber('--context', '1', { integer: true, min: 2 })),
      '--context must be an integer >= 2 (got "1")',
    );
    assert.equal(
      refusal(() => parseNumber('--lr', '0', { min: Number.MIN_VALUE })),
      '--lr must be a number >= 0 (exclusive) (got "0")',
    );
    assert.equal(
      refusal(() => parseNumber('--lr', '-1e-3', { min: Number.MIN_VALUE })),
      '--lr must be a number >= 0 (exclusive) (got "-1e-3")',
    );
  });

  it('numberFlag and integerFlag are the same parser for commander', () => {
    assert.equal(numberFlag('--lr', { min: Number.MIN_VALUE })('0.25'), 0.25);
    assert.equal(integerFlag('--shard-rows', 1)('4096'), 4096);
    assert.equal(
      refusal(() => integerFlag('--shard-rows', 1)('0')),
      '--shard-rows must be an integer >= 1 (got "0")',
    );
    assert.equal(
      refusal(() => numberFlag('--lr')('NaN')),
      '--lr must be a number (got "NaN")',
    );
  });
});

describe('numeric flags on the command line', () => {
  it('refuse a bad value with exit status 2 and one line naming the flag', () => {
    for (const [args, line] of [
      [['analyze', '--sae', 'nowhere', '--max-tokens', 'abc'], '--max-tokens must be an integer >= 1 (got "abc")'],
      [['analyze', '--sae', 'nowhere', '--context', 'NaN'], '--context must be an integer >= 2 (got "NaN")'],
      [['train-lm', '--lr', '1e999'], '--lr must be a number >= 0 (exclusive) (got "1e999")'],
      [
        ['import-acts', '--acts', 'a.npy', '--tokens', 't.npy', '--out', 'o', '--shard-rows', '1.5'],
        '--shard-rows must be an integer >= 1 (got "1.5")',
      ],
    ] as const) {
      const r = runCli([...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim(), `ARGUMENT_INVALID: ${line}`, args.join(' '));
    }
  });
});
