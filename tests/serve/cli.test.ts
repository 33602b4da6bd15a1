import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { loadModel } from '../../src/model/model.js';
import { writeRandomAdapter } from '../helpers/adapters.js';
import { testDevice } from '../helpers/gpu.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** `wgml serve ARGS` on a free port, resolved once it logs ready: the child, its port, its stderr so far and its exit. */
async function startServe(args: string[]) {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/src/cli/wgml.js', 'serve', '--model', 'models/qwen3-tiny', '--port', String(port), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const run = { child, port, log: '', exited: new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))) };
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      run.log += d.toString();
      if (run.log.includes('ready:')) resolve();
    });
    child.on('exit', () => reject(new Error(`wgml serve exited early:\n${run.log}`)));
  });
  return run;
}

describe('npx wgml serve', () => {
  it('serves the shipped model until SIGTERM, then drains and exits 0', async () => {
    const run = await startServe(['--api-key', 'k']);
    const { child, port, exited } = run;
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'k', maxRetries: 0 });
    const pending = client.chat.completions.create({ model: 'qwen3-tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 40, ignore_eos: true } as never);
    // SIGTERM once the request holds a slot: it must still be answered in full.
    while (!/wgml_running_requests [1-9]/.test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const answer = (await pending) as { choices: { finish_reason: string }[]; usage: { completion_tokens: number } };
    expect(answer.usage.completion_tokens).toBe(40);
    expect(await exited).toBe(0);
    expect(run.log).toContain('SIGTERM: finishing requests in flight');
  });

  it("takes vLLM's --lora-modules, --max-num-seqs and --max-model-len", async () => {
    const device = await testDevice();
    const base = await loadModel('models/qwen3-tiny', { device });
    const adapter = await writeRandomAdapter(base, 4);
    base.dispose();
    const { child, port, exited, log } = await startServe(['--lora-modules', `math=${adapter}`, '--max-num-seqs', '4', '--max-model-len', '256']);
    expect(log).toMatch(/ready: model "qwen3-tiny", adapter "math"; 4 slots × 256 tokens/);
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'none', maxRetries: 0 });
    const long = await client.completions.create({ model: 'math', prompt: 'Hi', max_tokens: 300 }).catch((e: InstanceType<typeof OpenAI.APIError>) => e);
    expect([(long as InstanceType<typeof OpenAI.APIError>).status, (long as InstanceType<typeof OpenAI.APIError>).code]).toEqual([400, 'context_length_exceeded']);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it("takes vLLM's --chat-template, a file or the template itself, for chat prompts", async () => {
    const template = '{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}';
    const file = join(await mkdtemp(join(tmpdir(), 'wgml-template-')), 'chat.jinja');
    await writeFile(file, template);
    const device = await testDevice();
    const model = await loadModel('models/qwen3-tiny', { device });
    const expected = model.tokenizer.encode('<user>hi\n<assistant>', { addSpecialTokens: false });
    model.dispose();
    for (const value of [file, template]) {
      const { child, port, exited } = await startServe(['--chat-template', value]);
      const res = await fetch(`http://127.0.0.1:${port}/tokenize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
      expect(((await res.json()) as { tokens: number[] }).tokens).toEqual(expected);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('names the flag of a bad option', async () => {
    const child = spawn(process.execPath, ['dist/src/cli/wgml.js', 'serve', '--model', 'models/qwen3-tiny', '--port', 'abc'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(log).toMatch(/--port/);
  });
});
