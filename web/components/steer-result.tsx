// The default and the steered continuation side by side; steered tokens that differ from the default at the same
// position are marked (class tok-changed, data-changed), with the tokens whose probability moved most in the title.
// Tokens keep their own spaces (not displayToken's no-break ones) so the text wraps like prose.
import { changedPositions } from '@/lib/steer';
import type { SteerAnswer } from '@/lib/steer-query';

export function SteerResult({ prompt, result }: { prompt: string; result: SteerAnswer }) {
  const changed = changedPositions(
    result.default.tokens.map((t) => t.id),
    result.steered.tokens.map((t) => t.id),
  );
  const nChanged = changed.filter(Boolean).length;
  return (
    <section data-testid="steer-result">
      <p className="muted">
        {result.modelName} · {result.promptTokens} prompt tokens · {nChanged} of {result.steered.tokens.length} steered
        tokens differ · {result.elapsedMs.toFixed(0)} ms
      </p>
      <div className="grid2">
        <div data-testid="steer-default">
          <h3>Default</h3>
          <p className="steer-text">
            <span className="muted">{prompt}</span>
            {result.default.tokens.map((t, i) => (
              <span key={i} className="tok">
                {t.text}
              </span>
            ))}
          </p>
        </div>
        <div data-testid="steer-steered">
          <h3>Steered</h3>
          <p className="steer-text">
            <span className="muted">{prompt}</span>
            {result.steered.tokens.map((t, i) => (
              <span
                key={i}
                className={changed[i] ? 'tok tok-changed' : 'tok'}
                data-changed={changed[i] ? 'true' : undefined}
                title={
                  t.changed?.length
                    ? `moved most: ${t.changed.map((c) => `${JSON.stringify(c.text)} ${c.default.toFixed(2)}→${c.steered.toFixed(2)}`).join(', ')}`
                    : undefined
                }
              >
                {t.text}
              </span>
            ))}
          </p>
        </div>
      </div>
    </section>
  );
}
