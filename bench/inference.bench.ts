/**
 * `npm run bench:inference`: the batching benchmark, one run, one model, one machine.
 *
 *   ceiling   offline: full batches straight into an onnxruntime session (the physical limit)
 *   naive     the server with batching off (batch size 1, one worker): the seed paper's "Original"
 *   batched   one worker with dynamic batching: the seed's "Streamer"
 *   multi     several workers: the seed's "Multi-Streamer"
 *   halfLoad  batched at half its saturating rate, evenly spaced arrivals (open loop): latency when not saturated
 *   overload  batched at ten times its saturating rate for 30 s, open loop: no crash, bounded memory, clear 503s
 *
 * Each server runs as its own process, loaded over HTTP at a fixed concurrency
 * (the seed ran wrk with 128 connections). Writes bench/results/inference.{json,md,svg}.
 * BENCH_ROUNDS (default 3), BENCH_SECONDS (default 10) and BENCH_OVERLOAD_SECONDS (default 30) set the runs.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../server/src/config.js';
import { loadModel } from '../server/src/inference/model.js';
import { InferenceService } from '../server/src/inference/service.js';
import { fillMaskBatch, sentimentBatch } from '../server/src/inference/tasks.js';
import { freePort, waitFor } from '../server/test/helpers.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** The machine is shared and noisy: every configuration runs once per round, ratios are taken within a round, and medians reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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

interface Ceiling {
  sentencesPerSecond: number;
  batchSize: number;
  /** Which offline arrangement reached it. */
  layout: string;
  /** Both arrangements measured: one session using every core, and one single-threaded session per core. */
  oneSessionAllThreads: number;
  oneSessionPerCore: number;
}

/** Full batches, no HTTP and no batcher: first into one session with every core's threads, then into one session per core. */
async function ceiling(): Promise<Ceiling> {
  const cfg = loadConfig().inference;
  const batches = Array.from({ length: 16 }, (_, i) => {
    const from = (i * BATCH) % (sentences.length - BATCH);
    return sentences.slice(from, from + BATCH);
  });

  const model = await loadModel(TASK === 'fill-mask' ? cfg.fillMaskModel : cfg.sentimentModel, TASK, {
    device: 'cpu',
    intraOpThreads: cpus().length,
    variant: cfg.variant,
  });
  const run = (texts: string[]) =>
    TASK === 'fill-mask' ? fillMaskBatch(model, texts, cfg.topK) : sentimentBatch(model, texts, { neutralMargin: cfg.neutralMargin });
  const single = await throughput(1, run, batches);
  await model.session.release();

  // The same worker threads the server uses, one per core, each fed full batches directly.
  const service = await InferenceService.start({ ...cfg, devices: ['cpu'], workersPerDevice: cpus().length, intraOpThreads: 1 });
  const perCore = await throughput(cpus().length, (texts) => service.pool.run(TASK, texts), batches);
  await service.stop();

  const best = Math.max(single, perCore);
  return {
    sentencesPerSecond: best,
    batchSize: BATCH,
    layout: best === single ? `1 session x ${cpus().length} threads` : `${cpus().length} sessions x 1 thread`,
    oneSessionAllThreads: single,
    oneSessionPerCore: perCore,
  };
}

/** Sentences per second with `lanes` loops each running one batch after another. */
async function throughput(lanes: number, run: (texts: string[]) => Promise<unknown>, batches: string[][]): Promise<number> {
  for (const b of batches.slice(0, 3)) await run(b);
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; performance.now() - started < SECONDS * 1000; i += lanes) {
        await run(batches[i % batches.length]!);
        done += BATCH;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

interface RunningServer {
  url: string;
  maxRssMb(): number;
  alive(): boolean;
  stop(): Promise<void>;
}

async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-data-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      MAX_QUEUE: '1024',
      INFERENCE_TIMEOUT_MS: '5000',
      DATA_DIR: dataDir,
      ...env,
    },
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
      rmSync(dataDir, { recursive: true, force: true });
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

interface OpenLoopResult {
  offeredRps: number;
  sent: number;
  ok: number;
  rejected: number;
  otherErrors: number;
  /** Connection-level failures by code (the server never answered these). */
  errorKinds: Record<string, number>;
  /** Of the answered (2xx) requests. */
  latencyMs: LatencyStats;
}

/** Keep-alive sockets for the open-loop client; beyond them requests wait client-side (counted in their latency). */
const openLoopAgent = new http.Agent({ keepAlive: true, maxSockets: 2048 });

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/api/v1/${TASK}`, { method: 'POST', agent: openLoopAgent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Requests at evenly spaced arrival times, whatever the answers (open loop):
 * autocannon's rate mode releases each second's requests in one burst.
 */
async function openLoop(url: string, rate: number, seconds: number): Promise<OpenLoopResult> {
  const latencies: number[] = [];
  const result = { offeredRps: rate, sent: 0, ok: 0, rejected: 0, otherErrors: 0 };
  const errorKinds: Record<string, number> = {};
  const inFlight: Array<Promise<void>> = [];
  const started = performance.now();
  const fire = () => {
    const i = result.sent++;
    const t0 = performance.now();
    inFlight.push(
      post(url, JSON.stringify({ text: sentences[i % sentences.length] })).then(
        (status) => {
          if (status === 200) {
            result.ok++;
            latencies.push(performance.now() - t0);
          } else if (status === 503) result.rejected++;
          else result.otherErrors++;
        },
        (error: NodeJS.ErrnoException) => {
          result.otherErrors++;
          const kind = error.code ?? error.name;
          errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
        },
      ),
    );
  };
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed >= seconds) {
        clearInterval(timer);
        resolve();
        return;
      }
      for (let due = Math.floor(elapsed * rate) - result.sent; due > 0; due--) fire();
    }, 1);
  });
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  const avg = latencies.reduce((x, y) => x + y, 0) / Math.max(1, latencies.length);
  const stdev = Math.sqrt(latencies.reduce((x, y) => x + (y - avg) ** 2, 0) / Math.max(1, latencies.length));
  return { ...result, errorKinds, latencyMs: { avg, stdev, p50: at(0.5), p99: at(0.99), max: Math.round(latencies.at(-1) ?? 0) } };
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
interface Round {
  ceiling: Ceiling;
  naive: LoadResult;
  batched: LoadResult;
  multi: LoadResult;
}
const rounds: Round[] = [];
for (let i = 1; i <= ROUNDS; i++) {
  console.log(`round ${i} of ${ROUNDS}`);
  const c = await ceiling();
  console.log(
    `ceiling  ${c.sentencesPerSecond.toFixed(1)} sentences/s (${c.layout}; one session x all threads ${c.oneSessionAllThreads.toFixed(1)}, one session per core ${c.oneSessionPerCore.toFixed(1)})`,
  );
  rounds.push({
    ceiling: c,
    naive: await serveAndLoad('naive', { MAX_BATCH_SIZE: '1', INFERENCE_WORKERS: '1', INFERENCE_THREADS: String(cpus().length) }),
    batched: await serveAndLoad('batched', batchedEnv),
    multi: await serveAndLoad('multi', { MAX_BATCH_SIZE: String(BATCH), INFERENCE_WORKERS: String(cpus().length), INFERENCE_THREADS: '1' }),
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
/** The run with the median throughput of one configuration (a real run, not a blend). */
const medianRun = (pick: (r: Round) => LoadResult) => {
  const runs = rounds.map(pick).sort((a, b) => a.rps - b.rps);
  return runs[runs.length >> 1]!;
};
const ceil = [...rounds.map((r) => r.ceiling)].sort((a, b) => a.sentencesPerSecond - b.sentencesPerSecond)[rounds.length >> 1]!;
const naive = medianRun((r) => r.naive);
const batched = medianRun((r) => r.batched);
const multi = medianRun((r) => r.multi);

// Open loop at half and ten times the batched server's saturating rate.
const half = await (async () => {
  const server = await startServer(batchedEnv);
  try {
    await load(server.url, { seconds: 2, connections: 8 }); // warm-up
    const r = await openLoop(server.url, Math.max(1, Math.round(batched.rps / 2)), SECONDS);
    console.log(`halfLoad ${r.offeredRps} req/s offered: p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms`);
    return r;
  } finally {
    await server.stop();
  }
})();
const OVERLOAD_QUEUE = 256;
const overload = await (async () => {
  // A queue bound of about 0.2 s of work, so the excess is shed rather than queued; the client can hold 2048 requests open.
  const server = await startServer({ ...batchedEnv, MAX_QUEUE: String(OVERLOAD_QUEUE) });
  try {
    const r = await openLoop(server.url, Math.round(batched.rps * 10), OVERLOAD_SECONDS);
    const health = await fetch(`${server.url}/healthz`).then((res) => res.status, () => 0);
    const out = {
      offeredRps: r.offeredRps,
      maxQueue: OVERLOAD_QUEUE,
      achievedSendRps: r.sent / OVERLOAD_SECONDS,
      seconds: OVERLOAD_SECONDS,
      crashed: !server.alive() || health !== 200,
      served: r.ok,
      rejected: r.rejected,
      otherErrors: r.otherErrors,
      errorKinds: r.errorKinds,
      servedLatencyMs: r.latencyMs,
      maxRssMb: Math.round(server.maxRssMb()),
    };
    console.log(
      `overload ${r.offeredRps} req/s offered (${out.achievedSendRps.toFixed(0)} sent) for ${OVERLOAD_SECONDS}s: served ${out.served}, rejected ${out.rejected}, other errors ${out.otherErrors}, crashed ${out.crashed}, max RSS ${out.maxRssMb} MB`,
    );
    return out;
  } finally {
    await server.stop();
  }
})();

const results = {
  machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.versions.node, device: 'cpu' },
  settings: {
    rounds: ROUNDS,
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
  /** Medians over rounds of ratios measured within one round. */
  ratios: {
    batchedOverNaive: median(rounds.map((r) => r.batched.rps / r.naive.rps)),
    multiOverNaive: median(rounds.map((r) => r.multi.rps / r.naive.rps)),
    batchedOverCeiling: median(rounds.map((r) => r.batched.rps / r.ceiling.sentencesPerSecond)),
    multiOverCeiling: median(rounds.map((r) => r.multi.rps / r.ceiling.sentencesPerSecond)),
  },
  rounds: rounds.map((r) => ({
    ceiling: r.ceiling.sentencesPerSecond,
    naive: r.naive.rps,
    batched: r.batched.rps,
    multi: r.multi.rps,
  })),
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
    `${results.machine.cores} cores (${results.machine.cpu}), Node ${results.machine.node}, CPU; ${TASK} model (${results.settings.model}); ${ROUNDS} rounds of ${SECONDS} s runs at ${CONNECTIONS} connections; the table shows each configuration's median run.`,
    '',
    `Offline ceiling: **${ceil.sentencesPerSecond.toFixed(1)} sentences/s** (batches of ${BATCH}, best of one session using all ${cpus().length} cores' threads: ${ceil.oneSessionAllThreads.toFixed(1)}, and one single-threaded session per core: ${ceil.oneSessionPerCore.toFixed(1)}).`,
    '',
    '| server | req/s | avg ms | stdev ms | p50 ms | p99 ms | max ms | total |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    row('naive (batch 1)', naive),
    row('batched (1 worker)', batched),
    row(`multi (${cpus().length} workers)`, multi),
    '',
    `Median ratios within a round: batched / naive **${results.ratios.batchedOverNaive.toFixed(2)}x**, multi / naive **${results.ratios.multiOverNaive.toFixed(2)}x**; batched / ceiling **${(results.ratios.batchedOverCeiling * 100).toFixed(0)}%**, multi / ceiling **${(results.ratios.multiOverCeiling * 100).toFixed(0)}%**. The load generator shares the machine's ${cpus().length} cores with the server; the offline ceiling has no HTTP to serve.`,
    '',
    `At half load (${half.offeredRps} req/s offered): p50 ${half.latencyMs.p50} ms, p99 ${half.latencyMs.p99} ms.`,
    '',
    `Overload (${overload.offeredRps} req/s offered, ${overload.achievedSendRps.toFixed(0)} sent, for ${OVERLOAD_SECONDS} s): served ${overload.served}, rejected with 503 ${overload.rejected}, other errors ${overload.otherErrors}, crashed: ${overload.crashed}, max RSS ${overload.maxRssMb} MB.`,
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
