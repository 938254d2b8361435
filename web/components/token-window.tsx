import { Fragment } from 'react';
import { displayToken, formatActivation, tint, tintText } from '@/lib/tint';

export interface ExampleWindow {
  tokens: string[];
  activations: number[];
  maxActivation: number;
  maxPosition: number;
  docIndex: number;
  tokenStart: number;
}

/** One context: every token tinted by the feature's activation; the value shows on hover. */
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
          // <wbr /> lets a line break between tokens: their leading spaces are no-break spaces (displayToken).
          return (
            <Fragment key={i}>
              <span
                className={i === example.maxPosition ? 'tok tok-max' : 'tok'}
                style={{ background: tint(a, scale), color: tintText(a, scale) }}
                title={`${JSON.stringify(token)}: ${formatActivation(a)}`}
                data-activation={a}
              >
                {displayToken(token)}
              </span>
              <wbr />
            </Fragment>
          );
        })}
      </span>
    </div>
  );
}
