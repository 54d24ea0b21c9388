/**
 * `npm run bench:inference`: the batching benchmark, one run, one model, one machine.
 *
 *   ceiling   offline: full batches straight into an onnxruntime session (the physical limit)
 *   naive     the server with batching off (batch size 1, one worker): the seed paper's "Original"
 *   batched   one worker with dynamic batching: the seed's "Streamer"
 *   multi     several workers: the seed's "Multi-Streamer"
 *   halfLoad  batched at half its saturating rate (open loop): latency when not saturated
 *   overload  batched at ten times its saturating rate for 30 s: no crash, bounded memory, clear 503s
 *
 * Each server runs as its own process, loaded over HTTP at a fixed concurrency
 * (the seed ran wrk with 128 connections). Writes bench/results/inference.{json,md,svg}.
 * BENCH_SECONDS (default 20) and BENCH_OVERLOAD_SECONDS (default 30) set the runs' lengths.
 */
import { spawn } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { loadConfig } from '../server/src/config.js';
import { loadModel } from '../server/src/inference/model.js';
import { fillMaskBatch, sentimentBatch } from '../server/src/inference/tasks.js';
import { freePort, waitFor } from '../server/test/helpers.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const OVERLOAD_SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 30);
const CONNECTIONS = 64;
const BATCH = 32;
const OUT = 'bench/results';

/**
 * The task measured: fill-mask (the BERT-style transformer, the seed paper's
 * workload) by default; BENCH_TASK=sentiment measures the classifier instead.
 */
const TASK = (process.env.BENCH_TASK ?? 'fill-mask') as 'fill-mask' | 'sentiment';

/** Held-out sentences of 4-40 words; for fill-mask one word in the middle becomes a gap. */
const sentences = readFileSync('models/eval/mlm-test.txt', 'utf8')
  .split('\n')
  .map((line) => line.trim().split(/\s+/))
  .filter((words) => words.length >= 4 && words.length <= 40)
  .map((words) => (TASK === 'fill-mask' ? words.map((w, i) => (i === words.length >> 1 ? '___' : w)) : words).join(' '));

interface LatencyStats {
  avg: number;
  stdev: number;
  p50: number;
  p99: number;
  max: number;
}
interface LoadResult {
  rps: number;
  latencyMs: LatencyStats;
  total: number;
  errors: number;
  non2xx: number;
}

async function ceiling(): Promise<{ sentencesPerSecond: number; batchSize: number; batchMs: number }> {
  const cfg = loadConfig().inference;
  const model = await loadModel(TASK === 'fill-mask' ? cfg.fillMaskModel : cfg.sentimentModel, TASK, {
    device: 'cpu',
    intraOpThreads: cpus().length,
    variant: cfg.variant,
  });
  const run = (texts: string[]) =>
    TASK === 'fill-mask' ? fillMaskBatch(model, texts, cfg.topK) : sentimentBatch(model, texts, { neutralMargin: cfg.neutralMargin });
  const batches = Array.from({ length: 16 }, (_, i) => sentences.slice((i * BATCH) % (sentences.length - BATCH), ((i * BATCH) % (sentences.length - BATCH)) + BATCH));
  for (const b of batches.slice(0, 3)) await run(b);
  let done = 0;
  let runs = 0;
  const started = performance.now();
  while (performance.now() - started < SECONDS * 1000) {
    await run(batches[runs % batches.length]!);
    done += BATCH;
    runs++;
  }
  const elapsed = (performance.now() - started) / 1000;
  await model.session.release();
  return { sentencesPerSecond: done / elapsed, batchSize: BATCH, batchMs: (elapsed * 1000) / runs };
}

interface RunningServer {
  url: string;
  maxRssMb(): number;
  alive(): boolean;
  stop(): Promise<void>;
}

async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', MAX_QUEUE: '1024', INFERENCE_TIMEOUT_MS: '5000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  await waitFor('the server to listen', () => output.includes('listening') || child.exitCode !== null, 60_000);
  if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
  let maxRss = 0;
  const sampler = setInterval(() => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
      maxRss = Math.max(maxRss, kb / 1024);
    } catch {
      // the process is gone; alive() reports it
    }
  }, 100);
  return {
    url: `http://127.0.0.1:${port}`,
    maxRssMb: () => maxRss,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      clearInterval(sampler);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function load(url: string, opts: { seconds: number; connections: number; overallRate?: number }): Promise<autocannon.Result> {
  let i = 0;
  return autocannon({
    url: `${url}/api/v1/${TASK}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: opts.connections,
    duration: opts.seconds,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    timeout: 10,
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ text: sentences[i++ % sentences.length] }) }) }],
  });
}

function summarize(r: autocannon.Result): LoadResult {
  const ok = r['2xx'];
  return {
    rps: ok / r.duration,
    latencyMs: { avg: r.latency.average, stdev: r.latency.stddev, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    total: ok,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

async function serveAndLoad(name: string, env: Record<string, string>): Promise<LoadResult> {
  const server = await startServer(env);
  try {
    await load(server.url, { seconds: 2, connections: 8 }); // warm-up
    const result = summarize(await load(server.url, { seconds: SECONDS, connections: CONNECTIONS }));
    console.log(`${name.padEnd(8)} ${result.rps.toFixed(1)} req/s  p50 ${result.latencyMs.p50} ms  p99 ${result.latencyMs.p99} ms`);
    return result;
  } finally {
    await server.stop();
  }
}

const batchedEnv = { MAX_BATCH_SIZE: String(BATCH), INFERENCE_WORKERS: '1', INFERENCE_THREADS: String(cpus().length) };

console.log(`inference benchmark: ${SECONDS}s per run, ${CONNECTIONS} connections, ${cpus().length} cores`);
const ceil = await ceiling();
console.log(`ceiling  ${ceil.sentencesPerSecond.toFixed(1)} sentences/s (batch ${BATCH}, ${ceil.batchMs.toFixed(1)} ms per batch)`);
const naive = await serveAndLoad('naive', { MAX_BATCH_SIZE: '1', INFERENCE_WORKERS: '1', INFERENCE_THREADS: String(cpus().length) });
const batched = await serveAndLoad('batched', batchedEnv);
const multi = await serveAndLoad('multi', { MAX_BATCH_SIZE: String(BATCH), INFERENCE_WORKERS: String(cpus().length), INFERENCE_THREADS: '1' });

// Open loop at half and ten times the batched server's saturating rate.
const half = await (async () => {
  const server = await startServer(batchedEnv);
  try {
    const rate = Math.max(1, Math.round(batched.rps / 2));
    const r = summarize(await load(server.url, { seconds: SECONDS, connections: CONNECTIONS, overallRate: rate }));
    console.log(`halfLoad ${rate} req/s offered: p99 ${r.latencyMs.p99} ms`);
    return { offeredRps: rate, ...r };
  } finally {
    await server.stop();
  }
})();
const overload = await (async () => {
  const server = await startServer(batchedEnv);
  const rate = Math.round(batched.rps * 10);
  try {
    const r = await load(server.url, { seconds: OVERLOAD_SECONDS, connections: 1000, overallRate: rate });
    const rejected = r.statusCodeStats?.['503']?.count ?? 0;
    const health = await fetch(`${server.url}/healthz`).then((res) => res.status, () => 0);
    const out = {
      offeredRps: rate,
      seconds: OVERLOAD_SECONDS,
      crashed: !server.alive() || health !== 200,
      served: r['2xx'],
      rejected,
      otherErrors: r.errors + r.timeouts + (r.non2xx - rejected),
      maxRssMb: Math.round(server.maxRssMb()),
    };
    console.log(`overload ${rate} req/s offered for ${OVERLOAD_SECONDS}s: served ${out.served}, rejected ${rejected}, crashed ${out.crashed}, max RSS ${out.maxRssMb} MB`);
    return out;
  } finally {
    await server.stop();
  }
})();

const results = {
  machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.versions.node, device: 'cpu' },
  settings: {
    seconds: SECONDS,
    connections: CONNECTIONS,
    maxBatchSize: BATCH,
    task: TASK,
    model: TASK === 'fill-mask' ? loadConfig().inference.fillMaskModel : loadConfig().inference.sentimentModel,
  },
  ceiling: ceil,
  naive,
  batched,
  multi,
  halfLoad: half,
  overload,
  ratios: {
    batchedOverNaive: batched.rps / naive.rps,
    multiOverNaive: multi.rps / naive.rps,
    batchedOverCeiling: batched.rps / ceil.sentencesPerSecond,
    multiOverCeiling: multi.rps / ceil.sentencesPerSecond,
  },
};

mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}/inference.json`, `${JSON.stringify(results, null, 2)}\n`);
const row = (name: string, r: LoadResult) =>
  `| ${name} | ${r.rps.toFixed(1)} | ${r.latencyMs.avg.toFixed(1)} | ${r.latencyMs.stdev.toFixed(1)} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.total} |`;
writeFileSync(
  `${OUT}/inference.md`,
  [
    `# Inference batching benchmark`,
    '',
    `${results.machine.cores} cores (${results.machine.cpu}), Node ${results.machine.node}, CPU; ${TASK} model (${results.settings.model}); ${SECONDS} s per run at ${CONNECTIONS} connections.`,
    '',
    `Offline ceiling: **${ceil.sentencesPerSecond.toFixed(1)} sentences/s** (batches of ${BATCH}, ${ceil.batchMs.toFixed(1)} ms each).`,
    '',
    '| server | req/s | avg ms | stdev ms | p50 ms | p99 ms | max ms | total |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    row('naive (batch 1)', naive),
    row('batched (1 worker)', batched),
    row(`multi (${cpus().length} workers)`, multi),
    '',
    `Batched / naive: **${results.ratios.batchedOverNaive.toFixed(2)}x**; batched / ceiling: **${(results.ratios.batchedOverCeiling * 100).toFixed(0)}%**; multi / naive: ${results.ratios.multiOverNaive.toFixed(2)}x.`,
    '',
    `At half load (${half.offeredRps} req/s offered): p50 ${half.latencyMs.p50} ms, p99 ${half.latencyMs.p99} ms.`,
    '',
    `Overload (${overload.offeredRps} req/s offered for ${OVERLOAD_SECONDS} s): served ${overload.served}, rejected with 503 ${overload.rejected}, other errors ${overload.otherErrors}, crashed: ${overload.crashed}, max RSS ${overload.maxRssMb} MB.`,
    '',
  ].join('\n'),
);
writeFileSync(`${OUT}/inference.svg`, barChart([
  ['ceiling', ceil.sentencesPerSecond],
  ['naive', naive.rps],
  ['batched', batched.rps],
  ['multi', multi.rps],
]));
console.log(`wrote ${OUT}/inference.json, inference.md, inference.svg`);

/** A plain horizontal bar chart of throughput. */
function barChart(bars: Array<[string, number]>): string {
  const width = 640;
  const barH = 36;
  const left = 90;
  const max = Math.max(...bars.map(([, v]) => v));
  const rows = bars
    .map(([label, v], i) => {
      const y = 40 + i * (barH + 12);
      const w = ((width - left - 90) * v) / max;
      return `<text x="${left - 8}" y="${y + barH / 2 + 5}" text-anchor="end">${label}</text><rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="#457b9d"/><text x="${left + w + 6}" y="${y + barH / 2 + 5}">${v.toFixed(1)}</text>`;
    })
    .join('');
  const height = 40 + bars.length * (barH + 12) + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="14"><text x="${left}" y="24" font-weight="bold">${TASK} throughput (requests or sentences per second, CPU)</text>${rows}</svg>\n`;
}
