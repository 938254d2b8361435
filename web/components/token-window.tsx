// One example context of a feature as tinted running text (top activations, quantile examples).
import { Fragment } from 'react';
import { displayToken, formatActivation, startsWord, tint, tintText } from '@/lib/tint';

export interface ExampleWindow {
  tokens: string[];
  activations: number[];
  maxActivation: number;
  maxPosition: number;
  docIndex: number;
  tokenStart: number;
}

/**
 * One context, drawn as text: every token tinted by the feature's activation (the value on hover), with no padding
 * between tokens, so a word split into subword tokens ("gover" + "nor") reads as one word and the gap between words
 * is the next token's own leading space.
 */
export function TokenWindow({ example, scale }: { example: ExampleWindow; scale: number }) {
  return (
    <div className="window" data-testid="example">
      <span
        className="window-value"
        title={`document ${example.docIndex}, token ${example.tokenStart + example.maxPosition}`}
      >
        {formatActivation(example.maxActivation)}
      </span>
      <span className="window-tokens">
        {example.tokens.map((token, i) => {
          const a = example.activations[i] ?? 0;
          // Leading spaces are no-break spaces (displayToken), so lines may break only where a <wbr /> allows:
          // before a token that starts a word, never inside one.
          return (
            <Fragment key={i}>
              {i > 0 && startsWord(example.tokens[i - 1], token) && <wbr />}
              <span
                className={i === example.maxPosition ? 'tok tok-max' : 'tok'}
                style={{ background: tint(a, scale), color: tintText(a, scale) }}
                title={`${JSON.stringify(token)}: ${formatActivation(a)}`}
                data-activation={a}
              >
                {displayToken(token)}
              </span>
            </Fragment>
          );
        })}
      </span>
    </div>
  );
}
