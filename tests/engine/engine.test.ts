import { describe, expect, it } from 'vitest';
import { Engine, ContextLengthError, QueueFullError } from '../../src/engine/engine.js';
import { UnknownAdapterError } from '../../src/engine/adapters.js';
import type { EngineEvent } from '../../src/engine/sequence.js';
import type { EngineRequest } from '../../src/engine/options.js';
import { loadModel } from '../../src/model/model.js';
import { testDevice } from '../helpers/gpu.js';
import { TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';
import { writeRandomAdapter } from '../helpers/adapters.js';
import { readPeftAdapter, writePeftAdapter } from '../../src/io/peft.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const device = await testDevice();
const tiny = await writeTinyQwen({ ...TINY_QWEN3, maxPositionEmbeddings: 96 });
const model = await loadModel(tiny.dir, { device });
const V = tiny.config.vocabSize;

interface Outcome {
  tokens: number[];
  text: string;
  finish: string | undefined;
  events: EngineEvent[];
}

async function collect(events: AsyncIterable<EngineEvent>): Promise<Outcome> {
  const all: EngineEvent[] = [];
  for await (const e of events) all.push(e);
  return { tokens: all.flatMap((e) => (e.token === undefined ? [] : [e.token])), text: all.map((e) => e.text).join(''), finish: all.at(-1)?.finish, events: all };
}

const prompt = (i: number, n = 5) => Array.from({ length: n }, (_, k) => (17 * i + 31 * k + 3) % V);
const sampled = (seed: number): EngineRequest['sampling'] => ({ temperature: 0.9, topP: 0.95, topK: 50, seed });

describe('Engine', () => {
  it('gives a seeded request the same tokens alone and among 31 others', async () => {
    const engine = new Engine(model, { maxBatch: 32 });
    const request = { ids: prompt(0, 7), maxNewTokens: 12, stopTokenIds: [], sampling: sampled(1234) };
    const alone = await collect(engine.submit(request));
    const others = Array.from({ length: 31 }, (_, i) => engine.submit({ ids: prompt(i + 1, 2 + (i % 9)), maxNewTokens: 4 + (i % 13), stopTokenIds: [], sampling: sampled(i) }));
    const among = engine.submit(request);
    const [result] = await Promise.all([collect(among), ...others.map(collect)]);
    expect(result!.tokens).toEqual(alone.tokens);
    expect(engine.stats.decodeRows / engine.stats.decodeSteps).toBeGreaterThan(8);
    engine.dispose();
  });

  it('admits a request while another decodes: its prefill joins the running batch', async () => {
    const engine = new Engine(model, { maxBatch: 4 });
    const long = engine.submit({ ids: prompt(1), maxNewTokens: 40, ignoreEos: true });
    const first = await long.next();
    expect(first.value.token).toBeTypeOf('number');
    const late = await collect(engine.submit({ ids: prompt(2), maxNewTokens: 3, ignoreEos: true }));
    const rest = await collect(long);
    expect(late.tokens).toHaveLength(3);
    expect(rest.tokens).toHaveLength(39);
    // Had the late request waited for the long one, every decode step would hold one row.
    expect(engine.stats.decodeRows).toBeGreaterThan(engine.stats.decodeSteps);
    const reference = await model.generateIds([prompt(2)], { maxNewTokens: 3, stopTokenIds: [] });
    expect(late.tokens).toEqual(reference[0]);
    engine.dispose();
  });

  it('frees a slot the moment its sequence ends, so a waiting request starts at once', async () => {
    const engine = new Engine(model, { maxBatch: 2 });
    const long = collect(engine.submit({ ids: prompt(3), maxNewTokens: 30, ignoreEos: true }));
    const short = collect(engine.submit({ ids: prompt(4), maxNewTokens: 2, ignoreEos: true }));
    const waiting = engine.submit({ ids: prompt(5), maxNewTokens: 2, ignoreEos: true });
    expect(engine.queueDepth).toBe(3);
    const w = await collect(waiting);
    expect(w.tokens).toHaveLength(2);
    expect(engine.activeRows).toBe(1);
    await Promise.all([long, short]);
    expect(engine.activeRows).toBe(0);
    engine.dispose();
  });

  it('cancels through an AbortSignal, ending with finish "abort" and freeing the slot', async () => {
    const engine = new Engine(model, { maxBatch: 1 });
    const controller = new AbortController();
    const events = engine.submit({ ids: prompt(6), maxNewTokens: 60, ignoreEos: true, signal: controller.signal });
    await events.next();
    controller.abort();
    const rest = await collect(events);
    expect(rest.finish).toBe('abort');
    expect(rest.tokens.length).toBeLessThan(59);
    const next = await collect(engine.submit({ ids: prompt(7), maxNewTokens: 2, ignoreEos: true }));
    expect(next.tokens).toHaveLength(2);
    expect(engine.stats.finished.abort).toBe(1);
    engine.dispose();
  });

  it('cancels when the caller stops iterating', async () => {
    const engine = new Engine(model, { maxBatch: 1 });
    for await (const e of engine.submit({ ids: prompt(8), maxNewTokens: 60, ignoreEos: true })) if (e.token !== undefined) break;
    const next = await collect(engine.submit({ ids: prompt(9), maxNewTokens: 2, ignoreEos: true }));
    expect(next.tokens).toHaveLength(2);
    expect(engine.stats.finished.abort).toBe(1);
    engine.dispose();
  });

  it('samples greedy and tempered rows in one step, each as it would alone', async () => {
    const engine = new Engine(model);
    const greedy = { ids: prompt(10), maxNewTokens: 6, stopTokenIds: [] };
    const hot = { ids: prompt(11), maxNewTokens: 6, stopTokenIds: [], sampling: { temperature: 1.5, seed: 9 } };
    const [g, h] = await Promise.all([collect(engine.submit(greedy)), collect(engine.submit(hot))]);
    expect(g.tokens).toEqual((await collect(engine.submit(greedy))).tokens);
    expect(h.tokens).toEqual((await collect(engine.submit(hot))).tokens);
    engine.dispose();
  });

  it('reports each token’s logprob and top alternatives from the raw distribution', async () => {
    const engine = new Engine(model);
    const ids = prompt(12);
    const out = await collect(engine.submit({ ids, maxNewTokens: 3, stopTokenIds: [], logprobs: 3 }));
    const logits = await model.logits([...ids, ...out.tokens.slice(0, 2)]);
    out.events.forEach((e, i) => {
      const row = logits.subarray((ids.length - 1 + i) * V, (ids.length + i) * V);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
      expect(e.logprob!).toBeCloseTo(row[e.token!]! - lse, 4);
      expect(e.top!.map((t) => t.token)[0]).toBe(e.token);
      expect(e.top).toHaveLength(3);
    });
    engine.dispose();
  });

  it('ends on a stop id with finish "stop", and on max tokens with "length"', async () => {
    const engine = new Engine(model);
    const free = await collect(engine.submit({ ids: prompt(13), maxNewTokens: 5, stopTokenIds: [] }));
    expect(free.finish).toBe('length');
    const stopped = await collect(engine.submit({ ids: prompt(13), maxNewTokens: 5, stopTokenIds: [free.tokens[2]!] }));
    expect(stopped.tokens).toEqual(free.tokens.slice(0, free.tokens.indexOf(free.tokens[2]!) + 1));
    expect(stopped.finish).toBe('stop');
    engine.dispose();
  });

  it('refuses a prompt that with max new tokens overflows a slot, naming both numbers', () => {
    const engine = new Engine(model);
    expect(() => engine.submit({ ids: prompt(1, 90), maxNewTokens: 10 })).toThrow(ContextLengthError);
    expect(() => engine.submit({ ids: prompt(1, 90), maxNewTokens: 10 })).toThrow(/90 tokens and max_tokens is 10: 100 > 96/);
    engine.dispose();
  });

  it('refuses requests past max_queue, an unknown adapter and a token outside the vocabulary', () => {
    const engine = new Engine(model, { maxBatch: 1, maxQueue: 2 });
    const running = [engine.submit({ ids: prompt(1), maxNewTokens: 50, ignoreEos: true }), engine.submit({ ids: prompt(2), maxNewTokens: 50 })];
    expect(() => engine.submit({ ids: prompt(3), maxNewTokens: 50 })).toThrow(QueueFullError);
    expect(() => engine.submit({ ids: prompt(3), adapter: 'nope' })).toThrow(UnknownAdapterError);
    expect(() => engine.submit({ ids: [V] })).toThrow(/prompt/);
    running.forEach((r) => void r.return?.());
    engine.dispose();
  });
});

const adapterA = await writeRandomAdapter(model, 1);
const dirs = { a: adapterA, b: await writeRandomAdapter(model, 2, { r: 8, targetModules: ['q_proj', 'v_proj', 'down_proj'] }), c: await layerOneAdapter() };

/** A PEFT adapter on layer 1 only (layers_to_transform), from adapter a's layer-1 tensors. */
async function layerOneAdapter(): Promise<string> {
  const { config, tensors } = await readPeftAdapter(adapterA);
  const dir = await mkdtemp(join(tmpdir(), 'wgml-adapter-l1-'));
  const kept = new Map([...tensors].filter(([name]) => name.includes('.layers.1.')));
  await writePeftAdapter(dir, { ...config, layers_to_transform: [1] }, kept);
  return dir;
}

describe('Engine with several adapters', () => {
  it('runs two adapters and the base in one batch, each giving what it gives alone', async () => {
    const base = await loadModel(tiny.dir, { device });
    const engine = new Engine(base);
    await engine.loadAdapter('a', dirs.a);
    await engine.loadAdapter('b', dirs.b);
    const ids = prompt(20, 6);
    const request = (adapter?: string) => collect(engine.submit({ ids, adapter, maxNewTokens: 8, stopTokenIds: [] }));
    const [a, b, none] = await Promise.all([request('a'), request('b'), request()]);
    for (const [name, got] of [['a', a], ['b', b]] as const) {
      const alone = await loadModel(tiny.dir, { device, adapter: dirs[name] });
      expect(got.tokens, `adapter ${name}`).toEqual((await alone.generateIds([ids], { maxNewTokens: 8, stopTokenIds: [] }))[0]);
      alone.dispose();
    }
    expect(none.tokens).toEqual((await model.generateIds([ids], { maxNewTokens: 8, stopTokenIds: [] }))[0]);
    expect(new Set([a.tokens.join(), b.tokens.join(), none.tokens.join()]).size).toBe(3);
    expect(engine.stats.decodeRows).toBe(3 * engine.stats.decodeSteps);
    engine.dispose();
    base.dispose();
  });

  it('applies an adapter’s layers_to_transform, as PEFT does', async () => {
    const base = await loadModel(tiny.dir, { device });
    const engine = new Engine(base);
    await engine.loadAdapter('c', dirs.c);
    const got = await collect(engine.submit({ ids: prompt(22, 6), adapter: 'c', maxNewTokens: 6, stopTokenIds: [] }));
    const alone = await loadModel(tiny.dir, { device, adapter: dirs.c });
    expect(got.tokens).toEqual((await alone.generateIds([prompt(22, 6)], { maxNewTokens: 6, stopTokenIds: [] }))[0]);
    alone.dispose();
    engine.dispose();
    base.dispose();
  });

  it('unloads an adapter at run time, after which its name is unknown', async () => {
    const base = await loadModel(tiny.dir, { device });
    const engine = new Engine(base);
    await engine.loadAdapter('a', dirs.a);
    await engine.loadAdapter('b', dirs.b);
    const before = await collect(engine.submit({ ids: prompt(21), adapter: 'b', maxNewTokens: 4, stopTokenIds: [] }));
    engine.unloadAdapter('a');
    const after = await collect(engine.submit({ ids: prompt(21), adapter: 'b', maxNewTokens: 4, stopTokenIds: [] }));
    expect(after.tokens).toEqual(before.tokens);
    expect(() => engine.submit({ ids: prompt(21), adapter: 'a' })).toThrow(UnknownAdapterError);
    engine.dispose();
    base.dispose();
  });
});
