// vLLM's /tokenize and /detokenize on wgml serve: the ids a completion or chat request would run on,
// and text back from ids; bad bodies answer in OpenAI's error shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../src/model/model.js';
import { serve, type WgmlServer } from '../../src/serve/server.js';
import { testDevice } from '../helpers/gpu.js';

const MODEL = 'models/qwen3-tiny';
const device = await testDevice();
const helper: Model = await loadModel(MODEL, { device });
let server: WgmlServer;

beforeAll(async () => {
  server = await serve({ model: MODEL, port: 0, device, engine: { maxBatch: 4 } });
  await server.ready;
});
afterAll(async () => {
  await server.close();
  helper.dispose();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('POST /tokenize', () => {
  it('gives a prompt the ids a completion runs on, their count and the context a request may use', async () => {
    const { status, json } = await post('/tokenize', { model: 'qwen3-tiny', prompt: 'Tom has 3 apples.' });
    const ids = helper.tokenizer.encode('Tom has 3 apples.');
    expect(status).toBe(200);
    expect(json).toEqual({ count: ids.length, max_model_len: server.served()!.engine.plan.slotTokens, tokens: ids });
  });

  it('renders messages with the chat template and the generation prompt, as a chat request does', async () => {
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const { json } = await post('/tokenize', { messages });
    expect(json.tokens).toEqual(helper.tokenizer.encode(helper.chatPrompt(messages), { addSpecialTokens: false }));
  });

  it('returns each token as the vocabulary writes it when asked', async () => {
    const { json } = await post('/tokenize', { prompt: 'hello world', return_token_strs: true });
    expect(json.token_strs).toEqual((json.tokens as number[]).map((t) => helper.tokenizer.idToToken(t)));
  });

  it('400 naming prompt for a body with neither prompt nor messages, 404 for a model it does not serve', async () => {
    const missing = await post('/tokenize', { text: 'hi' });
    expect([missing.status, (missing.json.error as { param: string }).param]).toEqual([400, 'prompt']);
    const unknown = await post('/tokenize', { model: 'gpt-9', prompt: 'hi' });
    expect([unknown.status, (unknown.json.error as { code: string }).code]).toEqual([404, 'model_not_found']);
  });
});

describe('POST /detokenize', () => {
  it('turns ids back into the text they encode', async () => {
    const ids = helper.tokenizer.encode('Tom has 3 apples.', { addSpecialTokens: false });
    expect((await post('/detokenize', { tokens: ids })).json).toEqual({ prompt: 'Tom has 3 apples.' });
  });

  it('400 naming the first id outside the vocabulary', async () => {
    const { status, json } = await post('/detokenize', { tokens: [5, 99999] });
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ param: 'tokens', message: expect.stringMatching(/^tokens\[1\]: 99999 is outside the vocabulary of \d+/) });
  });
});
