// A progress line on stderr: redrawn in place on a terminal, one line every few seconds otherwise (logs, CI).

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

export interface Progress {
  log(line: string): void;
  note(line: string): void;
  update(done: number, total: number, tokens: number, detail: string): void;
  done(): void;
}

/**
 * `unit`: what `done` counts. 'step' (training, analysis: tokens are reported apart) or 'tokens' (extraction: the
 * steps are the tokens). `rateUnit`: what the rate counts (default `tok`, tokens per second).
 */
export function createProgress(
  label: string,
  options: { unit?: 'step' | 'tokens'; rateUnit?: string; stream?: NodeJS.WriteStream } = {},
): Progress {
  const stream = options.stream ?? process.stderr;
  const counted = (done: number, total: number) =>
    options.unit === 'tokens' ? `${done}/${total} tokens` : `step ${done}/${total}`;
  const tty = stream.isTTY === true;
  const started = performance.now();
  let firstTokens: number | null = null;
  let firstAt = started;
  let lastPrint = 0;
  let lastLine = '';
  return {
    log(line) {
      stream.write(`${line}\n`);
    },
    note(line) {
      if (tty) stream.write(`\r\x1b[2K${line}\n${lastLine}`);
      else stream.write(`${line}\n`);
    },
    update(done, total, tokens, detail) {
      const now = performance.now();
      // Rate from the first reported step on, so start-up (session creation, resume skip) does not count.
      if (firstTokens === null) {
        firstTokens = tokens;
        firstAt = now;
      }
      const secs = (now - firstAt) / 1000;
      const rate = secs > 0 ? (tokens - firstTokens) / secs : 0;
      const stepRate =
        secs > 0 && tokens > firstTokens ? (tokens - firstTokens) / secs / (tokens / Math.max(1, done)) : 0;
      const eta = done >= total ? 0 : stepRate > 0 ? (total - done) / stepRate : Infinity;
      const width = 24;
      const filled = Math.round((width * done) / total);
      lastLine =
        `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${((100 * done) / total).toFixed(0).padStart(3)}% ${counted(done, total)}  ${Math.round(rate).toLocaleString('en-US')} ${options.rateUnit ?? 'tok'}/s  ETA ${clock(eta)}  ${detail}`.trimEnd();
      if (tty) stream.write(`\r\x1b[2K${lastLine}`);
      else if (now - lastPrint > 5000 || done === total) {
        stream.write(`${lastLine}\n`);
        lastPrint = now;
      }
    },
    done() {
      if (tty) stream.write('\n');
      void started;
    },
  };
}
