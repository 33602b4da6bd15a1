// The demo page (`wgml web`) in headless Chromium: it loads the model with a progress bar, chats
// with streamed output, shows bad input as an error, fine-tunes a LoRA with a loss curve, and
// downloads the adapter as PEFT files that Node loads. Screenshots go to test-artifacts/.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ElementHandle } from 'puppeteer-core';
import { loadModel } from '../../src/model/model.js';
import { ARTIFACTS, openDemo, TINY, type Session } from './chromium.js';

let session: Session;
const text = (selector: string) => session.page.$eval(selector, (e) => e.textContent ?? '');
const until = (condition: string, timeout = 120_000) => session.page.waitForFunction(condition, { timeout, polling: 200 });

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  session = await openDemo();
  await until(`document.getElementById('load-status').textContent.startsWith('Loaded') || document.getElementById('error').textContent !== ''`);
});
afterAll(() => session?.close());

describe('the demo page', () => {
  it('loads the served model with its progress bar full', async () => {
    expect(await text('#error')).toBe('');
    expect(await text('#load-status')).toMatch(/^Loaded http:\/\/127\.0\.0\.1:\d+\/model\/: 4 layers, hidden 128, vocab 2048 on swiftshader/);
    const [value, max] = await session.page.$eval('#load-progress', (e) => [(e as HTMLProgressElement).value, (e as HTMLProgressElement).max]);
    expect(max).toBeGreaterThan(2_000_000);
    expect(value).toBe(max);
  });

  it("streams a chat reply equal to Node's greedy reply", async () => {
    const node = await loadModel(TINY);
    const expected = await node.generate(node.chatPrompt([{ role: 'user', content: 'Hello there' }]), { maxNewTokens: 10 });
    node.dispose();
    const { page } = session;
    // Every text the reply line shows, to see it grow token by token.
    await page.evaluate(`window.__seen = []; new MutationObserver(() => { const a = document.querySelector('#transcript .assistant'); if (a) window.__seen.push(a.textContent); }).observe(document.getElementById('transcript'), { subtree: true, childList: true, characterData: true });`);
    await page.$eval('#max-tokens', (e) => ((e as HTMLInputElement).value = '10'));
    await page.type('#chat-input', 'Hello there');
    await page.keyboard.press('Enter');
    await until(`!document.getElementById('send-button').disabled && document.querySelector('#transcript .assistant')`);
    expect(await text('#error')).toBe('');
    expect(await text('#transcript .assistant')).toBe(`assistant: ${expected}`);
    const seen = (await page.evaluate('window.__seen')) as string[];
    expect(new Set(seen).size).toBeGreaterThan(2);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-chat.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'demo-chat.png'))).toBe(true);
  });

  it('fine-tunes a LoRA with a falling loss curve and downloads it as PEFT files Node loads', async () => {
    const { page } = session;
    const downloads = mkdtempSync(join(tmpdir(), 'wgml-downloads-'));
    try {
      const jsonl = [1, 2].map((i) => JSON.stringify({ prompt: `Say ${i}:`, completion: ` ${i} ${i} ${i}` })).join('\n');
      await page.$eval('#train-data', (e, v) => ((e as HTMLTextAreaElement).value = v), jsonl);
      await page.$eval('#train-steps', (e) => ((e as HTMLInputElement).value = '3'));
      await page.$eval('#train-rank', (e) => ((e as HTMLInputElement).value = '2'));
      await page.$eval('#train-lr', (e) => ((e as HTMLInputElement).value = '3e-2'));
      await page.click('#train-button');
      await until(`!document.getElementById('train-button').disabled`, 400_000);
      expect(await text('#error')).toBe('');
      expect(await text('#train-status')).toMatch(/^step 3\/3: loss \d+\.\d+ \(2 examples\)$/);
      const losses = JSON.parse(await page.$eval('#loss-curve', (e) => (e as HTMLCanvasElement).dataset['losses']!)) as number[];
      expect(losses).toHaveLength(3);
      expect(losses[2]).toBeLessThan(losses[0]!);
      expect(await page.$eval('#adapter-on', (e) => (e as HTMLInputElement).checked)).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'demo-trained.png'), fullPage: true });

      const cdp = await page.createCDPSession();
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
      await page.click('#export-button');
      const files = ['adapter_config.json', 'adapter_model.safetensors'].map((f) => join(downloads, f));
      await expect.poll(() => files.every(existsSync), { timeout: 30_000 }).toBe(true);
      const tuned = await loadModel(TINY, { adapter: downloads });
      try {
        expect(tuned.adapter!.config.r).toBe(2);
      } finally {
        tuned.dispose();
      }
    } finally {
      rmSync(downloads, { recursive: true, force: true });
    }
  }, 500_000);

  it('switches the adapter off and on', async () => {
    const { page } = session;
    await page.click('#adapter-on');
    await until(`!document.getElementById('train-button').disabled`);
    expect(await page.$eval('#adapter-on', (e) => (e as HTMLInputElement).checked)).toBe(false);
    expect(await page.evaluate(`document.getElementById('error').textContent`)).toBe('');
    await page.click('#adapter-on');
    await until(`!document.getElementById('train-button').disabled`);
    expect(await page.$eval('#adapter-on', (e) => (e as HTMLInputElement).checked)).toBe(true);
  });

  it('loads a model from files the user picks', async () => {
    const { page } = session;
    const input = (await page.$('input#model-files')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(...readdirSync(TINY).map((f) => join(TINY, f)));
    await until(`document.getElementById('load-status').textContent.startsWith('Loaded picked files/') || document.getElementById('error').textContent !== ''`);
    expect(await text('#error')).toBe('');
    expect(await text('#load-status')).toMatch(/^Loaded picked files\/: 4 layers, hidden 128, vocab 2048 on swiftshader/);
  });

  it('shows a URL that is not a model directory as an error on the page', async () => {
    const { page } = session;
    await page.$eval('#model-url', (e) => ((e as HTMLInputElement).value = '/browser/'));
    await page.click('#load-button');
    await until(`document.getElementById('error').textContent !== ''`);
    expect(await text('#error')).toMatch(/^ModelFetchError: http:\/\/127\.0\.0\.1:\d+\/browser\/ is not a HuggingFace model directory: config\.json was not found/);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-error.png'), fullPage: true });
  });
});
