// `npx tsx worker/bench/tokenize.ts`: encode speed on all of Brown (500 documents, 6.0M characters) of a GPT-2-style
// byte-level BPE of 4,096 tokens learnt on 100 Brown documents (fresh tokenizer per run, so the piece cache starts
// cold; median of BENCH_RUNS runs), then of each family fixture under worker/test-fixtures/tokenizers.
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { brownCorpus } from '../src/sources/brown.js';
import { tokenizerFromJson, type BpeTokenizer } from '../src/tokenizer/bpe.js';
import { trainBpe } from '../src/tokenizer/trainBpe.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`);
const texts: string[] = [];
for await (const d of brownCorpus({}).documents()) texts.push(d.text);
const chars = texts.reduce((s, t) => s + t.length, 0);

/** Milliseconds and tokens to encode every text with a fresh tokenizer. */
function timeEncode(make: () => BpeTokenizer): { ms: number; tokens: number } {
  const tok = make();
  const t0 = performance.now();
  let tokens = 0;
  for (const t of texts) tokens += tok.encode(t).ids.length;
  return { ms: performance.now() - t0, tokens };
}

const gpt2 = JSON.parse(JSON.stringify(trainBpe(texts.slice(0, 100), { vocabSize: 4096 }).toJSON()));
const runs = Array.from({ length: RUNS }, () => timeEncode(() => tokenizerFromJson(gpt2)));
const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
const median = ms[ms.length >> 1];
console.log(
  `gpt2-style 4,096: ${texts.length} documents, ${chars} characters, ${runs[0].tokens} tokens; median ${median.toFixed(0)} ms ` +
    `(min ${ms[0].toFixed(0)}) = ${((runs[0].tokens / median) * 1000).toFixed(0)} tokens/s`,
);
const fixtures = new URL('../test-fixtures/tokenizers/', import.meta.url).pathname;
for (const family of ['pythia', 'llama3', 'qwen2', 'llama2', 'mistral']) {
  const json = JSON.parse(readFileSync(`${fixtures}${family}/tokenizer.json`, 'utf8'));
  const r = timeEncode(() => tokenizerFromJson(json));
  console.log(
    `${family} fixture: ${r.tokens} tokens, ${r.ms.toFixed(0)} ms = ${((r.tokens / r.ms) * 1000).toFixed(0)} tokens/s`,
  );
}
