// Dead features are measured twice and the two disagree: training counts latents silent over its last window,
// the analysis counts features that never fired on the tokens it read. Both are shown, each saying which it is.
import { fmt } from '@/lib/format';

export interface DeadFigures {
  nLatents: number;
  /** From training (null for a dictionary trained elsewhere). */
  deadFraction?: number | null;
  analysis?: { tokens?: number | null; neverFired: number; rarelyFired?: number | null } | null;
}

/** "on 200,000 analysed tokens", or "on the analysed tokens" when the analysis did not record how many. */
export function analysedTokens(tokens: number | null | undefined): string {
  return tokens == null ? 'the analysed tokens' : `${tokens.toLocaleString('en')} analysed tokens`;
}

export function DeadFeatures({ nLatents, deadFraction, analysis }: DeadFigures) {
  return (
    <span className="dead-features" data-testid="dead-features">
      <span>
        <b>{fmt(deadFraction)}</b> dead in training
      </span>
      {analysis ? (
        <>
          <span>
            <b>{analysis.neverFired.toLocaleString('en')}</b> of {nLatents.toLocaleString('en')} never fired on{' '}
            {analysedTokens(analysis.tokens)}
          </span>
          {analysis.rarelyFired != null && (
            <span>
              <b>{analysis.rarelyFired.toLocaleString('en')}</b> fired 1–10 times
            </span>
          )}
        </>
      ) : (
        <span className="muted">not analysed yet</span>
      )}
    </span>
  );
}
