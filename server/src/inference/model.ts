/**
 * Loading a model folder in the Hugging Face layout (config.json,
 * tokenizer.json + tokenizer_config.json, onnx/*.onnx) into a tokenizer and an
 * onnxruntime-node session. Our own models and Hugging Face BERT-family ONNX
 * exports (e.g. Xenova/bert-base-uncased) load the same way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';

export type ModelTask = 'fill-mask' | 'sentiment';
export type ModelVariant = 'quantized' | 'full';

export interface SessionOptions {
  /** `cpu`, or `cuda:K` (needs onnxruntime-node's CUDA provider). */
  device: string;
  intraOpThreads: number;
  variant: ModelVariant;
}

export interface LoadedModel {
  task: ModelTask;
  dir: string;
  onnxFile: string;
  tokenizer: Tokenizer;
  session: ort.InferenceSession;
  /** The session takes `masked_positions` and returns logits only there. */
  maskedOutput: boolean;
  maxLength: number;
  id2label: Record<string, string>;
  specialIds: Set<number>;
  maskId: number;
  padId: number;
}

export class ModelFolderError extends Error {
  constructor(dir: string, problem: string) {
    super(`model folder ${dir}: ${problem}`);
    this.name = 'ModelFolderError';
  }
}

interface ModelConfig {
  max_position_embeddings?: number;
  id2label?: Record<string, string>;
}

function readJson<T>(dir: string, file: string): T {
  const path = join(dir, file);
  if (!existsSync(path)) throw new ModelFolderError(dir, `${file} is missing`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new ModelFolderError(dir, `${file} is not valid JSON (${(error as Error).message})`);
  }
}

/** Which ONNX file to load: the masked-positions export for fill-mask when present, int8 when asked and present. */
export function chooseOnnxFile(dir: string, task: ModelTask, variant: ModelVariant): string {
  const onnxDir = join(dir, 'onnx');
  const bases = task === 'fill-mask' ? ['model_masked', 'model'] : ['model'];
  const suffixes = variant === 'quantized' ? ['_quantized', ''] : ['', '_quantized'];
  for (const base of bases) {
    for (const suffix of suffixes) {
      const file = join(onnxDir, `${base}${suffix}.onnx`);
      if (existsSync(file)) return file;
    }
  }
  throw new ModelFolderError(dir, `no ONNX model found (looked for onnx/${bases[0]}{,_quantized}.onnx)`);
}

function executionProviders(device: string): ort.InferenceSession.ExecutionProviderConfig[] {
  if (device === 'cpu') return ['cpu'];
  const cuda = /^cuda:(\d+)$/.exec(device);
  if (cuda) return [{ name: 'cuda', deviceId: Number(cuda[1]) }];
  throw new Error(`unknown device "${device}" (use cpu or cuda:K)`);
}

export async function loadModel(dirPath: string, task: ModelTask, options: SessionOptions): Promise<LoadedModel> {
  const dir = resolve(dirPath);
  if (!existsSync(dir)) throw new ModelFolderError(dir, 'does not exist');
  const config = readJson<ModelConfig>(dir, 'config.json');
  const tokenizerJson = readJson<object>(dir, 'tokenizer.json');
  const tokenizerConfig = existsSync(join(dir, 'tokenizer_config.json')) ? readJson<object>(dir, 'tokenizer_config.json') : {};
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  } catch (error) {
    throw new ModelFolderError(dir, `tokenizer.json could not be loaded (${(error as Error).message})`);
  }
  const maskId = tokenizer.token_to_id('[MASK]');
  const padId = tokenizer.token_to_id('[PAD]') ?? 0;
  if (task === 'fill-mask' && maskId === undefined) throw new ModelFolderError(dir, 'the tokenizer has no [MASK] token');
  const id2label = config.id2label ?? {};
  if (task === 'sentiment' && !Object.values(id2label).some((l) => /pos/i.test(l))) {
    throw new ModelFolderError(dir, 'config.json id2label has no positive label (e.g. {"0":"NEGATIVE","1":"POSITIVE"})');
  }

  const onnxFile = chooseOnnxFile(dir, task, options.variant);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnxFile, {
      executionProviders: executionProviders(options.device),
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    throw new ModelFolderError(dir, `${onnxFile} could not be loaded by onnxruntime (${(error as Error).message})`);
  }
  for (const name of ['input_ids', 'attention_mask']) {
    if (!session.inputNames.includes(name)) throw new ModelFolderError(dir, `${onnxFile} has no "${name}" input`);
  }
  if (!session.outputNames.includes('logits')) throw new ModelFolderError(dir, `${onnxFile} has no "logits" output`);

  const specialIds = new Set<number>();
  for (const token of ['[CLS]', '[SEP]', '[PAD]', '[UNK]', '[MASK]']) {
    const id = tokenizer.token_to_id(token);
    if (id !== undefined) specialIds.add(id);
  }
  return {
    task,
    dir,
    onnxFile,
    tokenizer,
    session,
    maskedOutput: session.inputNames.includes('masked_positions'),
    maxLength: config.max_position_embeddings ?? 512,
    id2label,
    specialIds,
    maskId: maskId ?? -1,
    padId,
  };
}
