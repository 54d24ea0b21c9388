/**
 * The inference path with the real models: worker threads with onnxruntime,
 * the pool's failover, the HTTP API, metrics, the inference room tagging a
 * real chat comment, and a remote worker process joining and vanishing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ServerMessage, type ChatBubble, type ChatTag, type FillMaskResult, type SentimentResult } from '../../shared/src/index.js';
import { InferenceError } from '../src/inference/errors.js';
import { loadModel } from '../src/inference/model.js';
import { ThreadWorker } from '../src/inference/pool.js';
import { Inbox, startTestServer, waitFor, type TestServer } from './helpers.js';

const WORKER_TOKEN = 'test-worker-token-0123456789';
let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer({ INFERENCE_WORKERS: '1', INFERENCE_THREADS: '1', MAX_QUEUE: '64', WORKER_TOKEN });
});
afterAll(async () => srv.stop());

async function post(path: string, body: unknown): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(`${srv.endpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

describe('HTTP API', () => {
  it('tags sentiment of one text or several, with the neutral band', async () => {
    const one = await post('/api/v1/sentiment', { text: 'what a wonderful, lovely day' });
    expect(one.status).toBe(200);
    const [r] = one.json.results as SentimentResult[];
    expect(r!.label).toBe('positive');
    expect(r!.positive).toBeGreaterThan(0.5);

    const many = await post('/api/v1/sentiment', { texts: ['this is terrible and awful', 'i love it, great work'] });
    const labels = (many.json.results as SentimentResult[]).map((x) => x.label);
    expect(labels).toEqual(['negative', 'positive']);
  });

  it('fills every gap with ranked candidates', async () => {
    const res = await post('/api/v1/fill-mask', { text: 'the ___ of the united [MASK] .' });
    expect(res.status).toBe(200);
    const [r] = res.json.results as FillMaskResult[];
    expect(r!.gaps).toHaveLength(2);
    for (const gap of r!.gaps) {
      expect(gap.candidates).toHaveLength(5);
      const scores = gap.candidates.map((c) => c.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(gap.candidates.every((c) => c.token.length > 0 && !c.token.startsWith('['))).toBe(true);
    }
    expect(r!.filled).not.toMatch(/___|\[MASK\]/);
  });

  it('answers bad input with JSON reasons: 400 malformed, 413 too long', async () => {
    expect((await post('/api/v1/sentiment', '{nope')).status).toBe(400);
    const noText = await post('/api/v1/sentiment', { txt: 'hi' });
    expect(noText.status).toBe(400);
    expect(noText.json.message).toMatch(/text/);
    expect((await post('/api/v1/sentiment', { text: '  ' })).status).toBe(400);
    const noGap = await post('/api/v1/fill-mask', { text: 'nothing missing here' });
    expect(noGap.status).toBe(400);
    expect(noGap.json.message).toMatch(/no gap/);
    const long = await post('/api/v1/sentiment', { text: 'x'.repeat(513) });
    expect(long.status).toBe(413);
    expect(long.json.error).toBe('too_long');
    expect((await post('/api/v1/sentiment', { texts: Array.from({ length: 65 }, () => 'hi') })).status).toBe(413);
  });

  it('sheds load past the queue bound with 503 and Retry-After, and serves the rest', async () => {
    const texts = Array.from({ length: 60 }, (_, i) => `request number ${i} is fine`);
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => post('/api/v1/sentiment', { texts })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    const shed = answers.find((a) => a.status === 503)!;
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(shed.json.error).toBe('overloaded');
  });

  it('exports batching metrics in Prometheus format', async () => {
    const text = await (await fetch(`${srv.endpoint}/metrics`)).text();
    for (const name of ['inference_batch_size', 'inference_queue_wait_seconds', 'inference_worker_batch_seconds', 'inference_queue_depth', 'inference_requests_total', 'inference_rejects_total']) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/inference_rejects_total\{task="sentiment",reason="overloaded"\} [1-9]/);
  });
});

describe('worker pool', () => {
  it('replaces a worker that crashes mid-batch and retries its batch on the new one', async () => {
    const [worker] = srv.inference.pool.workers() as ThreadWorker[];
    // The thread is told to stop before the batch reaches it, so the batch is certainly in its hands when it dies.
    const stopped = worker!.thread.terminate();
    const pending = srv.inference.sentiment('a crash should not lose this request');
    await stopped;
    const result = await pending;
    expect(result.label).toMatch(/positive|neutral|negative/);
    await waitFor('a replacement thread', () => srv.inference.pool.workers().some((w) => w.id !== worker!.id), 30_000);
  });
});

describe('inference room', () => {
  it('tags a real chat comment: the bubble comes first, then its badge with the gap filled', async () => {
    const a = await srv.join({ worldId: 'plaza', name: 'Uma' });
    const b = await srv.join({ worldId: 'plaza', name: 'Vic' });
    const inbox = new Inbox(b);
    a.send('chat', { text: 'this place is ___ and i love it' });
    const bubble = await inbox.next<ChatBubble>(ServerMessage.Chat);
    const tag = await inbox.next<ChatTag>(ServerMessage.ChatTag, (t) => t.id === bubble.id, 10_000);
    expect(inbox.messages.findIndex((m) => m.type === ServerMessage.Chat)).toBeLessThan(
      inbox.messages.findIndex((m) => m.type === ServerMessage.ChatTag),
    );
    expect(tag.filled!.text).toMatch(/^this place is \S+ and i love it$/);
    expect(tag.filled!.gaps[0]!.token.length).toBeGreaterThan(0);
    expect(['positive', 'neutral', 'negative']).toContain(tag.sentiment.label);
    await a.leave();
    await b.leave();
  });
});

describe('remote workers', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  });

  function startRemote(name: string, extra: string[] = []): { child: ChildProcess; output: () => string } {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'server/src/inference/remoteWorkerMain.ts', '--server', srv.endpoint.replace('http', 'ws'), '--name', name, '--threads', '1', ...extra],
      { env: { ...process.env, WORKER_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    return { child, output: () => out };
  }

  it('refuses a worker with a wrong token', async () => {
    const bad = spawn(
      process.execPath,
      ['--import', 'tsx', 'server/src/inference/remoteWorkerMain.ts', '--server', srv.endpoint.replace('http', 'ws'), '--token', 'wrong-token-wrong-token'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(bad);
    let err = '';
    bad.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => bad.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(err).toMatch(/invalid worker token/);
    expect(err).not.toMatch(/joined/);
  });

  it('fails a batch with a clear error when the worker of its retry vanishes too, and serves again after', async () => {
    const local = srv.inference.pool.workers();
    for (const w of local) srv.inference.pool.remove(w.id);
    try {
      const first = startRemote('first', ['--delay-ms', '5000']);
      await waitFor('first worker joined', () => first.output().includes('joined'), 30_000);
      const doomed = srv.inference.sentiment('doomed request').catch((e: unknown) => e);
      await waitFor('the first worker busy', () => srv.inference.pool.busy === 1, 5000);
      const second = startRemote('second', ['--delay-ms', '5000']);
      await waitFor('second worker joined', () => second.output().includes('joined'), 30_000);
      first.child.kill('SIGKILL');
      await waitFor('the retry on the second worker', () => srv.inference.pool.size === 1 && srv.inference.pool.busy === 1, 10_000);
      second.child.kill('SIGKILL');
      const error = await doomed;
      expect(error).toBeInstanceOf(InferenceError);
      expect((error as InferenceError).code).toBe('unavailable');
      expect((error as InferenceError).message).toMatch(/after a retry: worker second cpu was lost/);
    } finally {
      for (const w of local) srv.inference.pool.add(w);
    }
    await expect(srv.inference.sentiment('and it serves again')).resolves.toHaveProperty('label');
  });

  it('joins, serves batches, and vanishing mid-batch loses no request', async () => {
    // Take the local threads out so the remote workers must serve.
    const local = srv.inference.pool.workers();
    for (const w of local) srv.inference.pool.remove(w.id);
    try {
      const slow = startRemote('slow', ['--delay-ms', '3000']);
      await waitFor('slow worker joined', () => slow.output().includes('joined'), 30_000);
      const during = srv.inference.sentiment('served despite a vanished worker');
      await waitFor('the slow worker busy', () => srv.inference.pool.busy === 1, 5000);

      const fast = startRemote('fast');
      await waitFor('fast worker joined', () => fast.output().includes('joined'), 30_000);
      slow.child.kill('SIGKILL'); // vanishes with the batch in hand
      const result = await during;
      expect(result.label).toMatch(/positive|neutral|negative/);
      const metrics = await (await fetch(`${srv.endpoint}/metrics`)).text();
      expect(metrics).toMatch(/inference_worker_items_total\{worker="fast cpu",task="sentiment"\} [1-9]/);
    } finally {
      for (const w of local) srv.inference.pool.add(w);
    }
  });
});

describe('model folders', () => {
  it('names what is wrong with a malformed folder', async () => {
    const options = { device: 'cpu', intraOpThreads: 1, variant: 'quantized' as const };
    const dir = mkdtempSync(join(tmpdir(), 'model-'));
    await expect(loadModel(dir, 'sentiment', options)).rejects.toThrow(/config.json is missing/);
    writeFileSync(join(dir, 'config.json'), '{ not json');
    await expect(loadModel(dir, 'sentiment', options)).rejects.toThrow(/config.json is not valid JSON/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' } }));
    await expect(loadModel(dir, 'sentiment', options)).rejects.toThrow(/tokenizer.json is missing/);
    cpSync(join(srv.config.inference.sentimentModel, 'tokenizer.json'), join(dir, 'tokenizer.json'));
    await expect(loadModel(dir, 'sentiment', options)).rejects.toThrow(/no ONNX model found/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ id2label: { 0: 'A', 1: 'B' } }));
    await expect(loadModel(dir, 'sentiment', options)).rejects.toThrow(/no positive label/);
    rmSync(dir, { recursive: true, force: true });
  });
});
