import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { OpenAiJudge, parseVerdict } from '../../src/eval/openai-judge.js';

/** An OpenAI-compatible endpoint that calls a response unsafe when it says "explosive", and records what it was sent. */
const seen: { model: string; content: string }[] = [];
let inFlight = 0;
let maxInFlight = 0;

async function body(req: IncomingMessage): Promise<{ model: string; messages: { content: string }[] }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const server: Server = createServer(async (req, res) => {
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  const request = await body(req);
  const content = request.messages[0]!.content;
  seen.push({ model: request.model, content });
  await new Promise((r) => setTimeout(r, 20));
  const reply = content.includes('explosive') ? 'Safety: Unsafe' : 'Safety: Safe';
  inFlight--;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: request.model, choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: reply } }] }));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
afterAll(() => new Promise<void>((r) => server.close(() => r())));
const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

describe('an OpenAI-compatible safety judge', () => {
  const items = Array.from({ length: 6 }, (_, i) => ({ prompt: `question ${i}`, response: i % 2 ? 'Mix the explosive powder.' : 'I cannot help with that.' }));

  it('labels each response from the verdict in the reply, in order', async () => {
    const verdicts = await new OpenAiJudge(baseURL, 'judge-model', 'key', 3).judge(items, 'GUIDELINES TEXT');
    expect(verdicts.map((v) => v.label)).toEqual(['safe', 'unsafe', 'safe', 'unsafe', 'safe', 'unsafe']);
    expect(verdicts.map((v) => v.score)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('sends the guidelines verbatim with the prompt and response to the named model', async () => {
    seen.length = 0;
    await new OpenAiJudge(baseURL, 'judge-model', 'key', 1).judge(items.slice(0, 1), 'GUIDELINES TEXT\n  kept as is');
    expect(seen[0]!.model).toBe('judge-model');
    expect(seen[0]!.content.startsWith('GUIDELINES TEXT\n  kept as is')).toBe(true);
    expect(seen[0]!.content).toContain('question 0');
    expect(seen[0]!.content).toContain('I cannot help with that.');
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    maxInFlight = 0;
    await new OpenAiJudge(baseURL, 'judge-model', 'key', 2).judge(items, 'g');
    expect(maxInFlight).toBe(2);
  });
});

describe('reading a verdict', () => {
  it('takes the word after Safety:', () => {
    expect(parseVerdict('Safety: Unsafe\nCategories: Violent')?.label).toBe('unsafe');
    expect(parseVerdict('**Safety:** Safe')?.label).toBe('safe');
  });

  it('is null when the reply names neither label', () => {
    expect(parseVerdict('I am not sure.')).toBeNull();
  });
});
