// The shipped qwen3-tiny in headless Chromium through the wgml/browser bundle gives Node's numbers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../src/model/model.js';
import { examplesFromJsonl } from '../../src/platform/lora-steps.js';
import { LoraTrainable } from '../../src/train/lora-trainable.js';
import { train, TrainConfigSchema } from '../../src/train/trainer.js';
import { openDemo, relativeError, TINY, type Session } from './chromium.js';

const IDS = [1, 17, 300, 42, 999, 5, 2000, 7];
const PROMPT = 'Hello world';

let session: Session;
let node: Model;

beforeAll(async () => {
  session = await openDemo();
  node = await loadModel(TINY);
});
afterAll(async () => {
  node?.dispose();
  await session?.close();
});

/** Runs `body` in the page with the bundle imported as `wgml` and the tiny model loaded as `model`. */
function inPage<T>(body: string, arg: unknown = null): Promise<T> {
  // A string, not a function: vitest would rewrite a function's import() into its own loader.
  const script = `(async () => {
    const wgml = await import('/browser/wgml.js');
    window.__model ??= await wgml.loadModel('/model/');
    const model = window.__model, arg = ${JSON.stringify(arg)};
    ${body}
  })()`;
  return session.page.evaluate(script) as Promise<T>;
}

describe('qwen3-tiny in Chromium (SwiftShader WebGPU)', () => {
  it('loads through the bundle on the browser adapter', async () => {
    const info = await inPage<{ backend: string; architecture: string }>('return model.device.info;');
    expect(info.backend).toBe('browser');
    expect(info.architecture).toBe('swiftshader');
  });

  it("gives Node's logits to 1e-5 relative", async () => {
    const browser = await inPage<number[]>('return Array.from(await model.logits(arg));', IDS);
    const reference = await node.logits(IDS);
    const error = relativeError(browser, reference);
    console.log(`browser vs Node logits: max relative error ${error.toExponential(2)} over ${reference.length} values`);
    expect(error).toBeLessThan(1e-5);
  });

  it("generates Node's greedy text", async () => {
    const browser = await inPage<string>('return model.generate(arg, { maxNewTokens: 12 });', PROMPT);
    expect(browser.length).toBeGreaterThan(0);
    expect(browser).toBe(await node.generate(PROMPT, { maxNewTokens: 12 }));
  });
});

describe('the OPFS cache of downloaded weights', () => {
  it('gives the same logits on a reload without fetching the weights again', async () => {
    const { first, second, logitsEqual } = await inPage<{ first: string[]; second: string[]; logitsEqual: boolean }>(
      `await wgml.clearModelCache();
       const load = async () => {
         const urls = [];
         const counted = (input, init) => { urls.push(String(input).split('/').pop()); return fetch(input, init); };
         const m = await wgml.loadModel('/model/', { cache: true, fetch: counted });
         const logits = Array.from(await m.logits(arg));
         m.dispose();
         return { urls, logits };
       };
       const a = await load();
       const b = await load();
       await wgml.clearModelCache();
       return { first: a.urls, second: b.urls, logitsEqual: a.logits.every((v, i) => v === b.logits[i]) };`,
      IDS,
    );
    expect(first.filter((u) => u === 'model.safetensors').length).toBeGreaterThan(3);
    // Only the optional file the directory lacks (a 404, not cached) is asked for again.
    expect(second).toEqual(['chat_template.jinja']);
    expect(logitsEqual).toBe(true);
  });
});

const JSONL = [
  { messages: [{ role: 'user', content: 'What is two plus two?' }, { role: 'assistant', content: 'Four.' }] },
  { messages: [{ role: 'user', content: 'Name a colour.' }, { role: 'assistant', content: 'Blue, like the sky.' }] },
  { prompt: 'The capital of France is', completion: ' Paris.' },
]
  .map((r) => JSON.stringify(r))
  .join('\n');
// Two targets keep SwiftShader's steps short (its first step takes ~56 s here, later ones ~10 s).
const LORA = { r: 4, alpha: 8, dropout: 0, targetModules: ['q_proj', 'v_proj'] as ('q_proj' | 'v_proj')[] };
const LR = 1e-2;

describe('LoRA fine-tuning in Chromium', () => {
  it("three steps give the losses of Node's trainer to 1e-4", async () => {
    const browser = await inPage<number[]>(
      `const m = await wgml.loadModel('/model/');
       const examples = wgml.examplesFromJsonl(m, arg.jsonl);
       const losses = await wgml.trainLoraSteps(m, examples, { steps: 3, lr: arg.lr, lora: arg.lora, seed: 7 });
       m.dispose();
       return losses;`,
      { jsonl: JSONL, lr: LR, lora: LORA },
    );
    const fresh = await loadModel(TINY);
    const runDir = mkdtempSync(join(tmpdir(), 'wgml-browser-train-'));
    try {
      const data = examplesFromJsonl(fresh, JSONL);
      const adapter = fresh.addLora(LORA, 7);
      const config = TrainConfigSchema.parse({ maxSteps: 3, batchSize: data.length, lr: LR, schedule: { type: 'constant' }, groupByLength: false, seed: 7 });
      const { history } = await train(new LoraTrainable(fresh, adapter), data, config, { runDir });
      const reference = history.map((m) => m.loss);
      console.log(`LoRA losses: browser ${browser.join(', ')}; Node ${reference.join(', ')}`);
      expect(reference[2]).toBeLessThan(reference[0]!);
      expect(relativeError(browser, reference)).toBeLessThan(1e-4);
    } finally {
      fresh.dispose();
      rmSync(runDir, { recursive: true, force: true });
    }
  }, 400_000);
});
