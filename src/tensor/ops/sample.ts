// sample: one token per row of logits, in HF generation's order: temperature, top-k, top-p, min-p, draw.
// Each row carries its own parameters and its own draw u = uniformAt(seed, counter) (src/cpu/random.ts), so
// a row samples the same token whatever else shares its batch, and src/cpu/sample.ts gives the same token
// for the same u.
import { f32Bits, grid } from '../../gpu/recorder.js';
import { ShapeMismatchError } from '../../errors.js';
import { Tensor } from '../tensor.js';
import { argmax, checkLogits, tokensFor } from './argmax.js';

export interface SampleOptions {
  /** Logits are divided by it; 0 picks the argmax. Default 1. */
  temperature?: number;
  /** Keep the k most probable tokens (all ties with the k-th stay, as in HF); 0 = off (default). */
  topK?: number;
  /** Nucleus: keep the smallest most-probable set whose mass is ≥ topP (at least one token); 1 = off (default). */
  topP?: number;
  /** Keep tokens whose probability is ≥ minP × the largest one (HF's MinPLogitsWarper); 0 = off (default). */
  minP?: number;
  /** u32 seed of the draw. Default 0. */
  seed?: number;
  /** Decode step: distinct steps draw independent u for the same seed. Default 0. */
  step?: number;
}

/** One row's sampling: the row draws u = uniformAt(seed, counter). */
export interface RowSampling {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  seed: number;
  counter: number;
}

const fail = (what: string): never => {
  throw new RangeError(`sample: ${what}`);
};

function checkRow(o: RowSampling): void {
  const { temperature, topK, topP, minP, seed, counter } = o;
  if (!(temperature >= 0 && Number.isFinite(temperature))) fail(`temperature must be a finite number ≥ 0, got ${temperature}`);
  if (temperature > 0 && !Number.isFinite(Math.fround(1 / temperature))) fail(`temperature ${temperature} is too small for f32; use 0 for greedy`);
  if (!Number.isSafeInteger(topK) || topK < 0) fail(`topK must be an integer ≥ 0 (0 = off), got ${topK}`);
  if (!(topP > 0 && topP <= 1)) fail(`topP must be in (0, 1] (1 = off), got ${topP}`);
  if (!(minP >= 0 && minP < 1)) fail(`minP must be in [0, 1) (0 = off), got ${minP}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail(`seed must be a u32 integer, got ${seed}`);
  if (!Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) fail(`counter must be a u32 integer, got ${counter}`);
}

/** The RowParams array of shaders/sample.wgsl, 8 words a row. */
function packRows(rows: readonly RowSampling[], V: number): Uint32Array {
  const words = new Uint32Array(rows.length * 8);
  rows.forEach((o, r) => {
    checkRow(o);
    words.set([o.temperature === 0 ? 0 : f32Bits(Math.fround(1 / o.temperature)), Math.min(o.topK, V), f32Bits(o.topP), f32Bits(o.minP), o.seed, o.counter], r * 8);
  });
  return words;
}

/** logits: (N,V) f32, may be chunked by rows, rows: N parameter sets → (N) i32 token ids */
export function sampleRows(logits: Tensor, rows: readonly RowSampling[]): Tensor {
  const tokens = tokensFor('sample', logits);
  const N = logits.size / logits.cols;
  if (rows.length !== N) throw new ShapeMismatchError(`sample: ${rows.length} row parameter sets for ${N} rows of logits`);
  const device = logits.device;
  const params = Tensor.from(device, packRows(rows, logits.cols), [N, 8], 'i32');
  const kernel = device.kernels.get('sample', {}, 'sample');
  for (const chunk of logits.chunks) {
    if (chunk.rows === 0) continue;
    device.recorder.dispatch(kernel, [chunk.rows, logits.cols, chunk.rowStart], [chunk.buffer, tokens.buffer, params.buffer], grid(chunk.rows));
  }
  params.dispose();
  return tokens;
}

/** logits: (N,V) or (B,T,V) f32, may be chunked by rows → (N) or (B,T) i32; row r of step s draws uniformAt(seed, s·N + r). */
export function sample(logits: Tensor, options: SampleOptions = {}): Tensor {
  const { temperature = 1, topK = 0, topP = 1, minP = 0, seed = 0, step = 0 } = options;
  if (!Number.isSafeInteger(step) || step < 0) fail(`step must be an integer ≥ 0, got ${step}`);
  checkLogits('sample', logits);
  const N = logits.size / Math.max(1, logits.cols);
  if (temperature === 0) {
    checkRow({ temperature, topK, topP, minP, seed, counter: 0 });
    return argmax(logits);
  }
  const base = Math.imul(step, N) >>> 0;
  const rows = Array.from({ length: N }, (_, r) => ({ temperature, topK, topP, minP, seed, counter: (base + r) >>> 0 }));
  const flat = logits.reshape([N, logits.cols]);
  const tokens = sampleRows(flat, rows);
  flat.dispose();
  const out = tokens.reshape(logits.shape.slice(0, -1));
  tokens.dispose();
  return out;
}
