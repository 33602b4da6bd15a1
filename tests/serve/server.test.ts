import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { serve, type WgmlServer } from '../../src/serve/server.js';
import { loadModel, type Model } from '../../src/model/model.js';
import { testDevice } from '../helpers/gpu.js';
import { writeRandomAdapter } from '../helpers/adapters.js';

const MODEL = 'models/qwen3-tiny';
const device = await testDevice();
const helper: Model = await loadModel(MODEL, { device });
const adapters = { math: await writeRandomAdapter(helper, 11), poet: await writeRandomAdapter(helper, 12, { r: 8 }) };
const KEY = 'sk-test';

let server: WgmlServer;
let client: OpenAI;

beforeAll(async () => {
  server = await serve({ model: MODEL, port: 0, apiKey: KEY, adapters, device, engine: { maxBatch: 32, maxQueue: 64 } });
  await server.ready;
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  helper.dispose();
});

const user = (content: string) => [{ role: 'user' as const, content }];
const QUESTION = 'Tom has 3 apples and buys 4 more. How many apples does he have?';

describe('wgml serve, through the openai client', () => {
  it('answers a chat completion with the template-rendered prompt and usage', async () => {
    const r = await client.chat.completions.create({ model: 'qwen3-tiny', messages: user(QUESTION), max_tokens: 24, temperature: 0 });
    const ids = helper.tokenizer.encode(helper.chatPrompt(user(QUESTION)), { addSpecialTokens: false });
    const expected = (await helper.generateIds([ids], { maxNewTokens: 24 }))[0]!;
    expect(r.choices[0]!.message.content).toBe(helper.tokenizer.decode(expected.filter((t) => !helper.tokenizer.eosTokenIds.includes(t)), { skipSpecialTokens: true }));
    expect(r.usage).toEqual({ prompt_tokens: ids.length, completion_tokens: expected.length, total_tokens: ids.length + expected.length });
    expect(r.object).toBe('chat.completion');
  });

  it('streams the same text as the non-streamed answer (greedy), role first, usage last, then [DONE]', async () => {
    const whole = await client.chat.completions.create({ model: 'qwen3-tiny', messages: user(QUESTION), max_tokens: 30, temperature: 0 });
    const stream = await client.chat.completions.create({ model: 'qwen3-tiny', messages: user(QUESTION), max_tokens: 30, temperature: 0, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(whole.choices[0]!.message.content);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toEqual(whole.usage);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe(whole.choices[0]!.finish_reason);
  });

  it('gives n = 3 indexed choices, reproducible with a seed', async () => {
    const ask = () => client.chat.completions.create({ model: 'qwen3-tiny', messages: user('Write a sentence.'), max_tokens: 16, n: 3, temperature: 1, seed: 5 });
    const a = await ask();
    expect(a.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect((await ask()).choices.map((c) => c.message.content)).toEqual(a.choices.map((c) => c.message.content));
    expect(new Set(a.choices.map((c) => c.message.content)).size).toBeGreaterThan(1);
  });

  it('cuts the text at a stop string that ends inside a token', async () => {
    const messages = user(QUESTION);
    const free = await client.chat.completions.create({ model: 'qwen3-tiny', messages, max_tokens: 40, temperature: 0, logprobs: true });
    const text = free.choices[0]!.message.content!;
    const pieces = free.choices[0]!.logprobs!.content!.map((t) => t.token);
    // A stop string made of one token's last character and the next token's first two: it ends inside that token.
    let at = 0;
    const k = pieces.findIndex((p, i) => {
      at += i > 0 ? pieces[i - 1]!.length : 0;
      return i > 0 && pieces[i - 1]!.length >= 1 && p.length >= 3 && text.indexOf(text.slice(at - 1, at + 2)) === at - 1;
    });
    expect(k, text).toBeGreaterThan(0);
    const stop = text.slice(at - 1, at + 2);
    const stopped = await client.chat.completions.create({ model: 'qwen3-tiny', messages, max_tokens: 40, temperature: 0, stop: [stop] });
    expect(stopped.choices[0]!.message.content).toBe(text.slice(0, at - 1));
    expect(stopped.choices[0]!.finish_reason).toBe('stop');
  });

  it("ends a choice at vLLM's stop_token_ids, finish_reason stop, the token left out of the text", async () => {
    type Body = Parameters<typeof client.chat.completions.create>[0] & { stream?: false };
    const free = (await client.chat.completions.create({ model: 'qwen3-tiny', messages: user(QUESTION), max_tokens: 8, temperature: 0 })).choices[0]!.message.content!;
    const ids = helper.tokenizer.encode(free, { addSpecialTokens: false });
    expect(ids.length).toBeGreaterThan(2);
    const r = await client.chat.completions.create({ model: 'qwen3-tiny', messages: user(QUESTION), max_tokens: 8, temperature: 0, stop_token_ids: [ids[1]!] } as Body);
    expect([r.choices[0]!.message.content, r.choices[0]!.finish_reason]).toEqual([helper.tokenizer.decode([ids[0]!]), 'stop']);
  });

  it('returns logprobs whose tokens concatenate to the content', async () => {
    const r = await client.chat.completions.create({ model: 'qwen3-tiny', messages: user(QUESTION), max_tokens: 20, temperature: 0, logprobs: true, top_logprobs: 2 });
    const content = r.choices[0]!.logprobs!.content!;
    expect(content.map((t) => t.token).join('')).toBe(r.choices[0]!.message.content);
    for (const t of content) {
      expect(t.logprob).toBeLessThanOrEqual(0);
      expect(t.top_logprobs).toHaveLength(2);
      expect(t.top_logprobs[0]!.logprob).toBeCloseTo(t.logprob, 5);
    }
  });

  it('answers 32 concurrent streaming clients, each as it would alone, joining mid-flight', async () => {
    const prompts = Array.from({ length: 32 }, (_, i) => `Question ${i}: what is ${i} plus ${i + 1}?`);
    const alone = await Promise.all(prompts.slice(0, 4).map((p) => client.completions.create({ model: 'qwen3-tiny', prompt: p, max_tokens: 12, temperature: 0 })));
    const stepsBefore = server.served()!.engine.stats.decodeSteps;
    const texts = await Promise.all(
      prompts.map(async (p, i) => {
        await new Promise((r) => setTimeout(r, (i % 8) * 15));
        const stream = await client.completions.create({ model: 'qwen3-tiny', prompt: p, max_tokens: 12, temperature: 0, stream: true });
        let text = '';
        for await (const c of stream) text += c.choices[0]?.text ?? '';
        return text;
      }),
    );
    expect(texts.slice(0, 4)).toEqual(alone.map((a) => a.choices[0]!.text));
    expect(texts).toEqual(await helper.generateBatch(prompts, { maxNewTokens: 12 }));
    const stats = server.served()!.engine.stats;
    expect(stats.decodeSteps - stepsBefore).toBeLessThan(32 * 11);
  });

  it('runs two adapters and the base in one batch, each answering as it does alone', async () => {
    const ask = (model: string) => client.completions.create({ model, prompt: QUESTION, max_tokens: 12, temperature: 0 });
    const together = await Promise.all([ask('math'), ask('poet'), ask('qwen3-tiny')]);
    const alone = [await ask('math'), await ask('poet'), await ask('qwen3-tiny')];
    expect(together.map((r) => r.choices[0]!.text)).toEqual(alone.map((r) => r.choices[0]!.text));
    expect(new Set(alone.map((r) => r.choices[0]!.text)).size).toBe(3);
  });

  it('loads and unloads an adapter at run time (vLLM\'s /v1/load_lora_adapter)', async () => {
    const post = (path: string, body: unknown) => fetch(`${server.url}/v1/${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('load_lora_adapter', { lora_name: 'late', lora_path: adapters.math })).status).toBe(200);
    const late = await client.completions.create({ model: 'late', prompt: QUESTION, max_tokens: 8, temperature: 0 });
    const math = await client.completions.create({ model: 'math', prompt: QUESTION, max_tokens: 8, temperature: 0 });
    expect(late.choices[0]!.text).toBe(math.choices[0]!.text);
    expect((await post('load_lora_adapter', { lora_name: 'late', lora_path: adapters.math })).status).toBe(400);
    expect((await post('unload_lora_adapter', { lora_name: 'late' })).status).toBe(200);
    const gone = await post('unload_lora_adapter', { lora_name: 'late' });
    expect([gone.status, ((await gone.json()) as { error: { code: string } }).error.code]).toEqual([404, 'model_not_found']);
  });

  it('constrains a chat answer to a json_schema response_format', async () => {
    const schema = { type: 'object', properties: { answer: { enum: [6, 7, 8] }, unit: { enum: ['apples', 'pears'] }, sure: { type: 'boolean' } }, required: ['answer', 'unit', 'sure'] };
    const r = await client.chat.completions.create({ model: 'qwen3-tiny', messages: user(QUESTION), max_tokens: 60, temperature: 0, response_format: { type: 'json_schema', json_schema: { name: 'a', schema } } });
    const v = JSON.parse(r.choices[0]!.message.content!) as { answer: number; unit: string; sure: boolean };
    expect([[6, 7, 8].includes(v.answer), ['apples', 'pears'].includes(v.unit), typeof v.sure]).toEqual([true, true, 'boolean']);
  });

  it("takes vLLM's guided_json, as an object or its text, for the json_schema response_format", async () => {
    const schema = { type: 'object', properties: { answer: { enum: [6, 7, 8] } }, required: ['answer'] };
    const ask = (extra: object) => client.completions.create({ model: 'qwen3-tiny', prompt: QUESTION, max_tokens: 20, temperature: 0, ...extra } as Parameters<typeof client.completions.create>[0] & { stream?: false });
    const reference = (await ask({ response_format: { type: 'json_schema', json_schema: { name: 'a', schema } } })).choices[0]!.text;
    expect([6, 7, 8]).toContain((JSON.parse(reference) as { answer: number }).answer);
    expect((await ask({ guided_json: schema })).choices[0]!.text).toBe(reference);
    expect((await ask({ guided_json: JSON.stringify(schema) })).choices[0]!.text).toBe(reference);
  });

  it('lists the base and its adapters with their parent and the context a request may use', async () => {
    const list = await client.models.list();
    const rows = list.data.map((m) => ({ id: m.id, parent: (m as unknown as { parent: string | null }).parent, max_model_len: (m as unknown as { max_model_len: number }).max_model_len }));
    const context = server.served()!.engine.plan.slotTokens;
    expect(rows).toEqual([{ id: 'qwen3-tiny', parent: null, max_model_len: context }, { id: 'math', parent: 'qwen3-tiny', max_model_len: context }, { id: 'poet', parent: 'qwen3-tiny', max_model_len: context }]);
  });
});

describe('wgml serve errors, the OpenAI way', () => {
  const status = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (error) {
      return error as InstanceType<typeof OpenAI.APIError>;
    }
    throw new Error('the request succeeded');
  };

  it('400 names the field of a bad body', async () => {
    const e = await status(client.chat.completions.create({ model: 'qwen3-tiny', messages: user('hi'), temperature: 5 }));
    expect(e.status).toBe(400);
    expect(e.param).toBe('temperature');
    expect((e.error as { type: string }).type).toBe('invalid_request_error');
  });

  it('400 naming response_format for a schema keyword it cannot enforce', async () => {
    const e = await status(client.chat.completions.create({ model: 'qwen3-tiny', messages: user('hi'), response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'string', pattern: 'a+' } } } }));
    expect([e.status, e.param]).toEqual([400, 'response_format']);
    expect(e.message).toMatch(/pattern/);
  });

  it('400 naming guided_json when it comes with a response_format, or is not a schema', async () => {
    const both = await status(client.chat.completions.create({ model: 'qwen3-tiny', messages: user('hi'), response_format: { type: 'json_object' }, guided_json: { type: 'object' } } as Parameters<typeof client.chat.completions.create>[0] & { stream?: false }));
    expect([both.status, both.param]).toEqual([400, 'guided_json']);
    const bad = await status(client.chat.completions.create({ model: 'qwen3-tiny', messages: user('hi'), guided_json: '{not json' } as Parameters<typeof client.chat.completions.create>[0] & { stream?: false }));
    expect([bad.status, bad.param]).toEqual([400, 'guided_json']);
    expect(bad.message).toMatch(/guided_json: not valid JSON/);
  });

  it('404 for an unknown model or adapter', async () => {
    const e = await status(client.chat.completions.create({ model: 'gpt-9', messages: user('hi') }));
    expect([e.status, e.code, e.param]).toEqual([404, 'model_not_found', 'model']);
  });

  it('400 with both numbers when prompt plus max_tokens exceed the context', async () => {
    const e = await status(client.completions.create({ model: 'qwen3-tiny', prompt: QUESTION, max_tokens: 600 }));
    expect([e.status, e.code]).toEqual([400, 'context_length_exceeded']);
    expect(e.message).toMatch(/has \d+ tokens and max_tokens is 600/);
  });

  it('401 for a wrong key', async () => {
    const bad = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    const e = await status(bad.models.list());
    expect([e.status, e.code]).toEqual([401, 'invalid_api_key']);
  });

  it('a disconnect cancels the request and frees its slot', async () => {
    const engine = server.served()!.engine;
    const aborts = engine.stats.finished.abort;
    const controller = new AbortController();
    const body = { model: 'qwen3-tiny', prompt: QUESTION, max_tokens: 400, stream: true as const, ignore_eos: true };
    const stream = await client.completions.create(body, { signal: controller.signal });
    let seen = 0;
    try {
      for await (const _ of stream) if (++seen === 3) controller.abort();
    } catch {
      // the client's own abort error
    }
    expect(seen).toBe(3);
    await new Promise((r) => setTimeout(r, 300));
    expect(engine.stats.finished.abort).toBe(aborts + 1);
    expect(engine.activeRows).toBe(0);
    const next = await client.completions.create({ model: 'qwen3-tiny', prompt: QUESTION, max_tokens: 4, temperature: 0 });
    expect(next.choices[0]!.finish_reason).toBeTruthy();
  });
});

describe('wgml serve under load and while loading', () => {
  it('answers 503 on /health and requests until the model has loaded, then 200', async () => {
    const s = await serve({ model: MODEL, port: 0, device });
    const early = await fetch(`${s.url}/health`);
    expect(early.status).toBe(503);
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe('service_unavailable');
    await s.ready;
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    await s.close();
  });

  it('answers 429 when the queue is full', async () => {
    const s = await serve({ model: MODEL, port: 0, device, engine: { maxBatch: 1, maxQueue: 1 } });
    await s.ready;
    const c = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const body = { model: 'qwen3-tiny', prompt: QUESTION, max_tokens: 60, ignore_eos: true };
    const results = await Promise.allSettled([0, 1, 2, 3].map(() => c.completions.create(body)));
    const statuses = results.map((r) => (r.status === 'fulfilled' ? 200 : (r.reason as { status: number }).status));
    expect(statuses.filter((x) => x === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((x) => x === 200).length).toBeGreaterThanOrEqual(2);
    await s.close();
  });

  it('exposes Prometheus metrics: requests, tokens, queue depth, occupancy, time to first token', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const name of ['wgml_requests_total{endpoint="/v1/chat/completions",status="200"}', 'wgml_generation_tokens_total', 'wgml_queue_depth', 'wgml_batch_occupancy', 'wgml_time_to_first_token_seconds_count']) {
      expect(text).toContain(name);
    }
    expect(Number(/wgml_generation_tokens_total (\d+)/.exec(text)![1])).toBeGreaterThan(100);
  });
});
