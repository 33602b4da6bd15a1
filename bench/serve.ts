// Serving benchmark: 1, 8 and 32 concurrent streaming clients against `wgml serve` on the random
// ~34M-parameter Qwen3 of bench/decode.ts, through the openai client: aggregate output tokens/s, time to
// first token and inter-token latency (median, p95), batch occupancy. Beside them, the same requests
// served one at a time (the ratio the continuous batcher buys), and an engine decode step against a
// bare fixed-batch step of the same size (what scheduling costs).
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Device } from '../src/gpu/device.js';
import { writeRandomQwen } from '../src/io/random-model.js';
import type { Model } from '../src/model/model.js';
import { disposeStep } from '../src/nn/kv-cache.js';
import { argmax } from '../src/tensor/ops/argmax.js';
import { embedding } from '../src/tensor/ops/embedding.js';
import { Tensor } from '../src/tensor/tensor.js';
import { serve } from '../src/serve/server.js';
import { BENCH_QWEN3 } from './decode.js';
import { timeMs, writeResults } from './harness.js';

const PROMPT_TOKENS = 32;
const MAX_TOKENS = 24;

interface LoadRow {
  clients: number;
  requests: number;
  outputTokensPerS: number;
  ttftMs: { median: number; p95: number };
  itlMs: { median: number; p95: number };
  batchOccupancy: number;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : 0;
};

const promptIds = (i: number) => Array.from({ length: PROMPT_TOKENS }, (_, t) => (i * 7919 + t * 31) % 256);

/** One streamed request: its token count, time to first chunk and the gaps between chunks. */
async function streamOne(client: OpenAI, i: number): Promise<{ tokens: number; ttft: number; gaps: number[] }> {
  const start = performance.now();
  const body = { model: 'bench', prompt: promptIds(i), max_tokens: MAX_TOKENS, temperature: 0, stream: true as const, ignore_eos: true, stream_options: { include_usage: true } };
  const stream = await client.completions.create(body);
  let last = start;
  let ttft = 0;
  let tokens = 0;
  const gaps: number[] = [];
  for await (const chunk of stream) {
    const now = performance.now();
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
    if (!chunk.choices.length) continue;
    if (ttft === 0) ttft = now - start;
    else gaps.push(now - last);
    last = now;
  }
  return { tokens, ttft, gaps };
}

async function load(client: OpenAI, clients: number, requests: number, stats: () => { rows: number; steps: number; slots: number }): Promise<LoadRow> {
  const before = stats();
  const started = performance.now();
  let next = 0;
  const results: Awaited<ReturnType<typeof streamOne>>[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) results.push(await streamOne(client, next++));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = stats();
  const steps = after.steps - before.steps;
  return {
    clients,
    requests,
    outputTokensPerS: results.reduce((a, r) => a + r.tokens, 0) / seconds,
    ttftMs: { median: quantile(results.map((r) => r.ttft), 0.5), p95: quantile(results.map((r) => r.ttft), 0.95) },
    itlMs: { median: quantile(results.flatMap((r) => r.gaps), 0.5), p95: quantile(results.flatMap((r) => r.gaps), 0.95) },
    batchOccupancy: steps ? (after.rows - before.rows) / (steps * after.slots) : 0,
  };
}

const STEPS = 16;

/** Mean ms of a bare fixed-batch decode step: every row in one cache, no scheduler, one argmax, one readback. */
async function bareStepMs(model: Model, batch: number): Promise<number> {
  const cache = model.net.newCache(batch, PROMPT_TOKENS + STEPS + 1);
  const step = async (ids: Tensor, T: number): Promise<Tensor> => {
    const inputs = cache.append(new Array<number>(batch).fill(T));
    const hidden = model.net.hidden(ids, cache, inputs);
    const last = T === 1 ? hidden.reshape(hidden.shape) : embedding(hidden, Array.from({ length: batch }, (_, b) => b * T + T - 1));
    const logits = model.net.lmHead.forward(last);
    const tokens = argmax(logits);
    await tokens.read();
    for (const t of [ids, hidden, last, logits]) t.dispose();
    disposeStep(inputs);
    const next = tokens.reshape([batch, 1]);
    tokens.dispose();
    return next;
  };
  let ids = await step(Tensor.from(model.device, Array.from({ length: batch }, (_, b) => promptIds(b)).flat(), [batch, PROMPT_TOKENS], 'i32'), PROMPT_TOKENS);
  const started = performance.now();
  for (let s = 0; s < STEPS; s++) ids = await step(ids, 1);
  const ms = (performance.now() - started) / STEPS;
  ids.dispose();
  cache.dispose();
  return ms;
}

/** Mean ms of an engine decode step at `batch` rows: (1 + STEPS tokens) − (1 token), over STEPS. */
async function engineStepMs(model: Model, batch: number): Promise<number> {
  const prompts = Array.from({ length: batch }, (_, b) => promptIds(b));
  const run = (n: number) => async () => void (await model.generateIds(prompts, { maxNewTokens: n, stopTokenIds: [] }));
  const one = await timeMs(run(1), 1000, 2);
  const many = await timeMs(run(1 + STEPS), 1000, 2);
  return (many - one) / STEPS;
}

export async function benchServe(device: Device): Promise<LoadRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'wgml-bench-serve-'));
  await writeRandomQwen(dir, { ...BENCH_QWEN3, maxPositionEmbeddings: 512 });
  const server = await serve({ model: dir, port: 0, device, servedModelName: 'bench', engine: { maxBatch: 32, maxQueue: 256 } });
  const rows: LoadRow[] = [];
  let sequential: LoadRow;
  const steps: { batch: number; engineMs: number; bareMs: number; ratio: number }[] = [];
  try {
    await server.ready;
    const engine = server.served()!.engine;
    const stats = () => ({ rows: engine.stats.decodeRows, steps: engine.stats.decodeSteps, slots: engine.plan.slots });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0, timeout: 600_000 });
    await streamOne(client, 0);
    sequential = await load(client, 1, 4, stats);
    for (const clients of [1, 8, 32]) rows.push(await load(client, clients, Math.max(clients, 4), stats));
    const model = server.served()!.model;
    for (const batch of [1, 8, 32]) {
      const engineMs = await engineStepMs(model, batch);
      const bareMs = await bareStepMs(model, batch);
      steps.push({ batch, engineMs, bareMs, ratio: engineMs / bareMs });
    }
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
  const at32 = rows.find((r) => r.clients === 32)!;
  const speedup = at32.outputTokensPerS / sequential!.outputTokensPerS;
  console.log(`\nwgml serve: random Qwen3 (bench/decode.ts shape), prompt ${PROMPT_TOKENS}, ${MAX_TOKENS} output tokens a request, streamed through the openai client`);
  console.table(rows.map((r) => ({ clients: r.clients, requests: r.requests, 'output tok/s': +r.outputTokensPerS.toFixed(1), 'TTFT p50 ms': +r.ttftMs.median.toFixed(0), 'TTFT p95 ms': +r.ttftMs.p95.toFixed(0), 'ITL p50 ms': +r.itlMs.median.toFixed(0), 'ITL p95 ms': +r.itlMs.p95.toFixed(0), occupancy: `${(100 * r.batchOccupancy).toFixed(0)}%` })));
  console.log(`one at a time: ${sequential!.outputTokensPerS.toFixed(1)} output tok/s; 32 concurrent clients: ${speedup.toFixed(2)}× that`);
  console.table(steps.map((s) => ({ batch: s.batch, 'engine step ms': +s.engineMs.toFixed(1), 'bare fixed-batch step ms': +s.bareMs.toFixed(1), ratio: +s.ratio.toFixed(2) })));
  const file = await writeResults('serve', { date: new Date().toISOString(), loadAverage: loadavg(), adapter: device.info, model: BENCH_QWEN3, promptTokens: PROMPT_TOKENS, maxTokens: MAX_TOKENS, rows, oneAtATime: sequential!, speedup32VsOneAtATime: speedup, decodeStep: steps });
  console.log(`wrote ${file}`);
  return rows;
}
