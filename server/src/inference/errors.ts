/** Errors of the inference path, each with a code the HTTP API and the rooms map to an answer. */
export type InferenceErrorCode =
  | 'overloaded' // queue full: retry later (HTTP 503 + Retry-After)
  | 'timeout' // deadline passed
  | 'cancelled' // the caller went away
  | 'unavailable' // no worker could run it (crashed twice, none configured)
  | 'bad_input' // this one request cannot be processed (e.g. no gap to fill)
  | 'internal';

export class InferenceError extends Error {
  constructor(
    public readonly code: InferenceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InferenceError';
  }
}
