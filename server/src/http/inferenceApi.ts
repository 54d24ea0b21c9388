/**
 * POST /api/v1/fill-mask and /api/v1/sentiment: one text or several, through
 * the same batcher as the chat. Errors are JSON with a reason: 400 malformed,
 * 413 too long, 503 + Retry-After when overloaded, 504 past the deadline.
 */
import type { Application, Request, Response } from 'express';
import { z } from 'zod';
import { INFERENCE_LIMITS, describeIssues, type InferenceErrorBody } from '../../../shared/src/index.js';
import { InferenceError, type InferenceErrorCode } from '../inference/errors.js';
import type { InferenceClient } from '../inference/presenceChannel.js';
import type { TaskName } from '../inference/protocol.js';

const body = z.union([z.strictObject({ text: z.string() }), z.strictObject({ texts: z.array(z.string()).min(1) })], {
  error: 'body must be {"text": "..."} or {"texts": ["...", ...]}',
});

const STATUS: Record<InferenceErrorCode, { status: number; error: InferenceErrorBody['error'] }> = {
  overloaded: { status: 503, error: 'overloaded' },
  unavailable: { status: 503, error: 'unavailable' },
  timeout: { status: 504, error: 'timeout' },
  cancelled: { status: 499, error: 'timeout' },
  bad_input: { status: 400, error: 'bad_request' },
  internal: { status: 500, error: 'internal_error' },
};

function fail(res: Response, status: number, error: InferenceErrorBody['error'], message: string): void {
  if (status === 503) res.set('Retry-After', '1');
  res.status(status).json({ error, message } satisfies InferenceErrorBody);
}

export function mountInferenceApi(app: Application, inference: InferenceClient): void {
  const handle = (task: TaskName) => async (req: Request, res: Response) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) return fail(res, 400, 'bad_request', describeIssues(parsed.error));
    const texts = 'text' in parsed.data ? [parsed.data.text] : parsed.data.texts;
    if (texts.length > INFERENCE_LIMITS.maxTexts) {
      return fail(res, 413, 'too_long', `at most ${INFERENCE_LIMITS.maxTexts} texts per request (got ${texts.length})`);
    }
    const long = texts.findIndex((t) => t.length > INFERENCE_LIMITS.maxTextLength);
    if (long >= 0) {
      return fail(res, 413, 'too_long', `text ${long} is ${texts[long]!.length} characters; at most ${INFERENCE_LIMITS.maxTextLength}`);
    }
    const empty = texts.findIndex((t) => t.trim() === '');
    if (empty >= 0) return fail(res, 400, 'bad_request', `text ${empty} is empty`);

    // A client that hangs up takes its requests out of the queue.
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    try {
      const results = await Promise.all(texts.map((t) => inference.submit(task, t, { signal: controller.signal })));
      res.json({ results });
    } catch (error) {
      if (error instanceof InferenceError) {
        const { status, error: code } = STATUS[error.code];
        const which = texts.length > 1 && error.code === 'bad_input' ? ' (in one of the texts)' : '';
        return fail(res, status, code, error.message + which);
      }
      console.error(`[http] ${task} failed:`, error);
      fail(res, 500, 'internal_error', 'the server could not handle this request');
    }
  };
  app.post('/api/v1/fill-mask', handle('fill-mask'));
  app.post('/api/v1/sentiment', handle('sentiment'));
}
