// `wgml web`'s server and the browser loader in Node: the model directory served with Range
// support, read back tensor by tensor over HTTP into the same Model loadModel makes from disk.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRange, startWebServer, type WebServer } from '../../src/cli/commands/web.js';
import { openSafetensors } from '../../src/io/safetensors.js';
import { loadModel } from '../../src/model/model.js';
import { urlFiles } from '../../src/platform/browser.js';
import { modelFromFiles } from '../../src/platform/model-files.js';
import { createDevice } from '../../src/platform/node.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TINY = join(ROOT, 'models', 'qwen3-tiny');
let web: WebServer;

beforeAll(async () => {
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'bundle-browser.mjs')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(built.stderr);
  web = await startWebServer({ model: TINY, port: 0, host: '127.0.0.1' });
});
afterAll(() => web?.close());

describe('wgml web server', () => {
  it('answers a Range request with 206 and exactly those bytes', async () => {
    const r = await fetch(web.url + 'model/model.safetensors', { headers: { Range: 'bytes=0-7' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toMatch(/^bytes 0-7\/\d+$/);
    expect((await r.arrayBuffer()).byteLength).toBe(8);
  });

  it('parses single ranges and refuses unsatisfiable ones', () => {
    expect(parseRange('bytes=0-7', 100)).toEqual([0, 7]);
    expect(parseRange('bytes=90-', 100)).toEqual([90, 99]);
    expect(parseRange('bytes=-10', 100)).toEqual([90, 99]);
    expect(parseRange('bytes=95-200', 100)).toEqual([95, 99]);
    expect(parseRange('bytes=100-', 100)).toBeNull();
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
  });

  it('serves the page and the bundle, and nothing outside its folders', async () => {
    expect(await (await fetch(web.url)).text()).toContain('<script type="module" src="/app.js">');
    expect((await fetch(web.url + 'browser/wgml.js')).status).toBe(200);
    expect((await fetch(web.url + 'model/..%2F..%2Fpackage.json')).status).toBe(404);
    expect((await fetch(web.url + 'model/%E0%A4%A')).status).toBe(404);
  });
});

describe('the browser loader over HTTP (in Node)', () => {
  it("reads the model tensor by tensor with Range requests and gives loadModel's logits", async () => {
    const ranges: string[] = [];
    const spy = ((input: RequestInfo | URL, init?: RequestInit) => {
      ranges.push(new Headers(init?.headers).get('range') ?? 'whole');
      return fetch(input, init);
    }) as typeof fetch;
    const device = await createDevice();
    const viaHttp = await modelFromFiles(urlFiles(web.url + 'model', { fetch: spy }), { device }, createDevice);
    const fromDisk = await loadModel(TINY, { device });
    try {
      const ids = [1, 2, 3, 400, 5];
      expect(await viaHttp.logits(ids)).toEqual(await fromDisk.logits(ids));
      const weightReads = ranges.filter((r) => r !== 'whole');
      // The probe, the 8-byte length, the header, then one read per tensor: never the whole file.
      const reader = await openSafetensors(TINY);
      const tensors = reader.names().length;
      await reader.close();
      expect(weightReads.slice(0, 3)).toEqual(['bytes=0-0', 'bytes=0-7', expect.stringMatching(/^bytes=8-\d+$/)]);
      expect(weightReads).toHaveLength(3 + tensors);
      const largest = Math.max(...weightReads.map((r) => r.split(/[=-]/).map(Number)).map(([, a, b]) => b! - a! + 1));
      expect(largest).toBeLessThan(statSync(join(TINY, 'model.safetensors')).size / 2);
      expect(ranges.filter((r) => r === 'whole')).toHaveLength(5); // config.json, tokenizer.json, tokenizer_config.json, generation_config.json, chat_template.jinja (404)
    } finally {
      viaHttp.dispose();
      fromDisk.dispose();
      device.destroy();
    }
  });

  it('renders chats with the chatTemplate option instead of the model\'s, as loadModel does', async () => {
    const chatTemplate = '{% for m in messages %}[{{ m.role }}] {{ m.content }}{% endfor %}';
    const device = await createDevice();
    const viaHttp = await modelFromFiles(urlFiles(web.url + 'model'), { device, chatTemplate }, createDevice);
    const fromDisk = await loadModel(TINY, { device, chatTemplate });
    try {
      const messages = [{ role: 'user' as const, content: 'hi' }];
      expect([viaHttp.chatPrompt(messages), fromDisk.chatPrompt(messages)]).toEqual(['[user] hi', '[user] hi']);
    } finally {
      viaHttp.dispose();
      fromDisk.dispose();
      device.destroy();
    }
  });

  it('says a URL is not a HuggingFace model directory when config.json is missing', async () => {
    await expect(modelFromFiles(urlFiles(web.url), {}, createDevice)).rejects.toThrow(
      `${web.url} is not a HuggingFace model directory: config.json was not found. Point at the folder that holds config.json, tokenizer.json, tokenizer_config.json and model.safetensors`,
    );
  });

  it('says so too when the server answers with a page instead of JSON', async () => {
    const html = (async () => new Response('<!doctype html><html>', { status: 200 })) as unknown as typeof fetch;
    await expect(modelFromFiles(urlFiles('http://spa.example/m/', { fetch: html }), {}, createDevice)).rejects.toThrow(/m\/ is not a HuggingFace model directory: config.json is not JSON \(it starts "<!doctype html><html>"\)/);
  });
});
