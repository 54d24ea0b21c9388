/**
 * `npm run eval:models`: evaluates the shipped models through the server's own
 * inference module (same tokenizer, pre- and post-processing as production) on
 * the held-out splits, and writes bench/results/models.json.
 *
 *   sentiment.accuracy  held-out UCI sentences, held-out rt-polarity, overall
 *   fillMask.top1/top5  a whole word masked as `___` in held-out text
 *   baselines           VADER lexicon on the same sentences; DistilBERT-SST-2's published accuracy
 *   sizesMb, latencyMs  for batch sizes 1, 8 and 32 (median of repeated runs)
 *
 * rt-polarity is read from RT_POLARITY_DIR (default ../shared/data/sentiment);
 * it is not in the repository (see models/sentiment/MODEL_CARD.md).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import vader from 'vader-sentiment';
import { loadConfig } from '../../server/src/config.js';
import { InferenceError } from '../../server/src/inference/errors.js';
import { loadModel, type LoadedModel } from '../../server/src/inference/model.js';
import { fillMaskBatch, sentimentBatch } from '../../server/src/inference/tasks.js';

const RT_DIR = process.env.RT_POLARITY_DIR ?? '../shared/data/sentiment';
const BATCH = 64;
/** Published accuracy of distilbert-base-uncased-finetuned-sst-2-english on SST-2 dev (its model card). */
const DISTILBERT_SST2_DEV = 0.913;

interface Labeled {
  text: string;
  label: 0 | 1;
}

const cfg = loadConfig().inference;
const sessionOptions = { device: 'cpu', intraOpThreads: cfg.intraOpThreads, variant: cfg.variant };

function uciTest(): Labeled[] {
  return readFileSync('models/eval/uci-test.jsonl', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Labeled);
}

function rtPolarityTest(): Labeled[] | undefined {
  const pos = join(RT_DIR, 'rt-polarity.pos');
  const neg = join(RT_DIR, 'rt-polarity.neg');
  if (!existsSync(pos) || !existsSync(neg)) return undefined;
  const ids = JSON.parse(readFileSync('models/eval/rt-polarity-test-ids.json', 'utf8')) as { pos: number[]; neg: number[] };
  const lines = (file: string) => readFileSync(file, 'latin1').split('\n');
  const posLines = lines(pos);
  const negLines = lines(neg);
  return [
    ...ids.pos.map((i) => ({ text: posLines[i]!.trim(), label: 1 as const })),
    ...ids.neg.map((i) => ({ text: negLines[i]!.trim(), label: 0 as const })),
  ];
}

async function inBatches<T, R>(items: T[], run: (batch: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(...(await run(items.slice(i, i + BATCH))));
  return out;
}

async function sentimentAccuracy(model: LoadedModel, set: Labeled[]) {
  const results = await inBatches(set.map((s) => s.text), (b) => sentimentBatch(model, b, { neutralMargin: cfg.neutralMargin }));
  let correct = 0;
  let neutral = 0;
  results.forEach((r, i) => {
    if ((r.positive >= 0.5 ? 1 : 0) === set[i]!.label) correct++;
    if (r.label === 'neutral') neutral++;
  });
  // The lexicon baseline on the same sentences: VADER's compound score, and its accuracy where it has an opinion.
  let lexCorrect = 0;
  let lexOpinion = 0;
  let lexOpinionCorrect = 0;
  for (const s of set) {
    const compound = vader.SentimentIntensityAnalyzer.polarity_scores(s.text).compound;
    const right = (compound >= 0 ? 1 : 0) === s.label;
    if (right) lexCorrect++;
    if (compound !== 0) {
      lexOpinion++;
      if (right) lexOpinionCorrect++;
    }
  }
  return {
    n: set.length,
    accuracy: correct / set.length,
    neutralShare: neutral / set.length,
    vader: { accuracy: lexCorrect / set.length, coverage: lexOpinion / set.length, accuracyWhereOpinionated: lexOpinionCorrect / lexOpinion },
  };
}

/** One whole word per held-out line, a single vocabulary token, masked as `___`: the product's own view of the task. */
async function fillMaskAccuracy(model: LoadedModel) {
  const cases: Array<{ text: string; answer: string }> = [];
  for (const line of readFileSync('models/eval/mlm-test.txt', 'utf8').split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words.length < 4) continue;
    // The most central alphabetic word that the vocabulary holds whole.
    const order = words.map((_, i) => i).sort((a, b) => Math.abs(a - words.length / 2) - Math.abs(b - words.length / 2));
    const pick = order.find((i) => /^[a-z]+$/i.test(words[i]!) && model.tokenizer.token_to_id(words[i]!.toLowerCase()) !== undefined);
    if (pick === undefined) continue;
    cases.push({ text: words.map((w, i) => (i === pick ? '___' : w)).join(' '), answer: words[pick]!.toLowerCase() });
  }
  const results = await inBatches(cases.map((c) => c.text), (b) => fillMaskBatch(model, b, 5));
  let top1 = 0;
  let top5 = 0;
  let evaluated = 0;
  results.forEach((r, i) => {
    if (r instanceof InferenceError) return; // e.g. longer than the model's window
    evaluated++;
    const candidates = r.gaps[0]!.candidates.map((c) => c.token);
    if (candidates[0] === cases[i]!.answer) top1++;
    if (candidates.includes(cases[i]!.answer)) top5++;
  });
  return { n: evaluated, top1: top1 / evaluated, top5: top5 / evaluated };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function latency(run: (texts: string[]) => Promise<unknown>, texts: string[]) {
  const out: Record<string, number> = {};
  for (const size of [1, 8, 32]) {
    const batch = texts.slice(0, size);
    for (let i = 0; i < 5; i++) await run(batch);
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await run(batch);
      times.push(performance.now() - t);
    }
    out[`batch${size}`] = Number(median(times).toFixed(3));
  }
  return out;
}

function sizeMb(path: string): number {
  return Number((statSync(path).size / 2 ** 20).toFixed(2));
}

const sentiment = await loadModel(cfg.sentimentModel, 'sentiment', sessionOptions);
const fillMask = await loadModel(cfg.fillMaskModel, 'fill-mask', sessionOptions);

const uci = uciTest();
const rt = rtPolarityTest();
const uciResult = await sentimentAccuracy(sentiment, uci);
const rtResult = rt ? await sentimentAccuracy(sentiment, rt) : undefined;
const all = [...uci, ...(rt ?? [])];
const overall = await sentimentAccuracy(sentiment, all);
const fill = await fillMaskAccuracy(fillMask);

const sampleTexts = uci.map((s) => s.text);
const gapTexts = sampleTexts.map((t) => t.replace(/\b(\w+)\b/, '___'));
const results = {
  models: {
    sentiment: { dir: cfg.sentimentModel, onnx: sentiment.onnxFile, variant: cfg.variant },
    fillMask: { dir: cfg.fillMaskModel, onnx: fillMask.onnxFile, variant: cfg.variant },
  },
  sentiment: {
    accuracy: { uci: uciResult.accuracy, rtPolarity: rtResult?.accuracy ?? null, overall: overall.accuracy },
    n: { uci: uciResult.n, rtPolarity: rtResult?.n ?? 0, overall: overall.n },
    neutralShare: { uci: uciResult.neutralShare, rtPolarity: rtResult?.neutralShare ?? null, overall: overall.neutralShare },
    ...(rt ? {} : { note: `rt-polarity not found in ${RT_DIR}; set RT_POLARITY_DIR` }),
  },
  fillMask: fill,
  baselines: {
    vader: { uci: uciResult.vader, rtPolarity: rtResult?.vader ?? null, overall: overall.vader },
    distilbertSst2PublishedDevAccuracy: DISTILBERT_SST2_DEV,
  },
  sizesMb: { sentiment: sizeMb(sentiment.onnxFile), fillMask: sizeMb(fillMask.onnxFile) },
  latencyMs: {
    threads: cfg.intraOpThreads,
    sentiment: await latency((t) => sentimentBatch(sentiment, t, { neutralMargin: cfg.neutralMargin }), sampleTexts),
    fillMask: await latency((t) => fillMaskBatch(fillMask, t, cfg.topK), gapTexts),
  },
};

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/models.json', `${JSON.stringify(results, null, 2)}\n`);
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
console.log(`sentiment accuracy: UCI ${pct(results.sentiment.accuracy.uci)}, rt-polarity ${pct(results.sentiment.accuracy.rtPolarity)}, overall ${pct(results.sentiment.accuracy.overall)}`);
console.log(`  VADER on the same sentences: UCI ${pct(uciResult.vader.accuracy)}, rt-polarity ${pct(rtResult?.vader.accuracy ?? null)}, overall ${pct(overall.vader.accuracy)}`);
console.log(`fill-mask (n=${fill.n}): top-1 ${pct(fill.top1)}, top-5 ${pct(fill.top5)}`);
console.log(`sizes: sentiment ${results.sizesMb.sentiment} MB, fill-mask ${results.sizesMb.fillMask} MB`);
console.log(`latency (median ms, ${cfg.intraOpThreads} threads): sentiment ${JSON.stringify(results.latencyMs.sentiment)}, fill-mask ${JSON.stringify(results.latencyMs.fillMask)}`);
console.log('wrote bench/results/models.json');
