// The plateau rule: a run that keeps improving goes on; a flat held-out FVU cuts the learning rate, then starts
// the final decay; a falling dead fraction counts as progress; each learning rate gets its own look-back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlateauRule, type PlateauOptions } from './plateauRule.js';

const options: PlateauOptions = {
  evalEvery: 100,
  minSteps: 400,
  window: 0.25,
  tolerance: 0.01,
  deadTolerance: 0.005,
  decayFraction: 0.2,
  cuts: 1,
  cutFactor: 0.25,
  nominalSteps: 5000,
};

/** Feed measurements every 100 steps until the rule decides something other than 'continue'. */
function runUntilDecision(rule: PlateauRule, fvuAt: (step: number) => number, dead = () => 0, last = 20_000) {
  for (let step = 100; step <= last; step += 100) {
    const d = rule.observe({ step, fvu: fvuAt(step), deadFraction: dead() });
    if (d.kind !== 'continue') return { step, decision: d };
  }
  return null;
}

describe('PlateauRule', () => {
  it('goes on while the FVU falls as a power law with room to spare (more than 1% per quarter of the run)', () => {
    const rule = new PlateauRule(options);
    // fvu = 0.1 + 0.5·step^-0.5: the last quarter of the run gains more than 1% until step ~ 5,800.
    const hit = runUntilDecision(rule, (s) => 0.1 + 0.5 * s ** -0.5);
    assert.ok(hit, 'it decides eventually');
    assert.equal(hit.decision.kind, 'cut');
    assert.ok(hit.step > 5000 && hit.step < 7000, `cut at step ${hit.step}`);
  });

  it('cuts the learning rate at the first plateau and starts the final decay at the next', () => {
    const rule = new PlateauRule(options);
    const first = runUntilDecision(rule, () => 0.2);
    assert.deepEqual(first, { step: 400, decision: { kind: 'cut' } }, 'flat from the start: cut once allowed');
    assert.equal(rule.factorAt(399), 1);
    assert.equal(rule.factorAt(400), 0.25);
    // After the cut the FVU drops to a new level and stays: the look-back starts at the cut, so the drop from the
    // old level does not count, and the decay starts minSteps after the cut.
    const second = runUntilDecision(rule, (s) => (s <= 400 ? 0.2 : 0.15));
    assert.ok(second && second.decision.kind === 'decay');
    assert.equal(second.step, 800);
    // The decay is a fifth of the whole run: 800 steps before it, 200 in it.
    assert.deepEqual(second.decision, { kind: 'decay', start: 800, end: 1000 });
  });

  it('counts a falling dead fraction as progress', () => {
    const rule = new PlateauRule({ ...options, cuts: 0 });
    let dead = 0.5;
    const hit = runUntilDecision(
      rule,
      () => 0.2,
      () => (dead = Math.max(0, dead - 0.006)),
      20_000,
    );
    // The dead fraction falls 0.006 per measurement (100 steps), more than 0.005 over any look-back: no decision
    // while it falls (until steps 8,300-8,400), then a decay once the look-back starts where it had reached 0.
    assert.ok(hit && hit.decision.kind === 'decay');
    assert.equal(hit.step, 11_100, 'a quarter of the run after the dead fraction stopped falling (step 8,300-8,400)');
  });

  it('resumes from its saved state with the same decisions', () => {
    const fvu = (s: number) => 0.1 + 0.5 * s ** -0.5;
    const whole = new PlateauRule(options);
    const a = runUntilDecision(whole, fvu);
    const first = new PlateauRule(options);
    for (let step = 100; step <= 1000; step += 100) first.observe({ step, fvu: fvu(step), deadFraction: 0 });
    const resumed = new PlateauRule(options, JSON.parse(JSON.stringify(first.state)));
    let b: ReturnType<typeof runUntilDecision> = null;
    for (let step = 1100; step <= 20_000 && !b; step += 100) {
      const d = resumed.observe({ step, fvu: fvu(step), deadFraction: 0 });
      if (d.kind !== 'continue') b = { step, decision: d };
    }
    assert.deepEqual(b, a);
  });
});
