// A browser without WebGPU: the page says so, naming the flag or browser version that gives it.
import { describe, expect, it } from 'vitest';
import { openDemo } from './chromium.js';

/** The page's error text, opened with `flags` (at `host` instead of 127.0.0.1 when given). */
async function errorShown(flags: string[], host?: string): Promise<string> {
  const session = await openDemo(undefined, '/', flags);
  try {
    if (host) await session.page.goto(session.server.url.replace('127.0.0.1', host));
    await session.page.waitForFunction(`document.getElementById('error').textContent !== ''`, { timeout: 60_000 });
    return await session.page.$eval('#error', (e) => e.textContent ?? '');
  } finally {
    await session.close();
  }
}

describe('the demo page without WebGPU', () => {
  it('names the flag when Chromium gives no adapter (no --enable-unsafe-webgpu on Linux)', async () => {
    expect(await errorShown(['--headless=new', '--no-sandbox'])).toMatch(/^NoAdapterError: navigator\.gpu gave no adapter: .*--enable-unsafe-webgpu/);
  });

  // Plain http from a name other than localhost is not a secure context, where navigator.gpu is absent.
  it('names the browser versions and the secure context when navigator.gpu is missing', async () => {
    const flags = ['--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--host-resolver-rules=MAP wgml.test 127.0.0.1'];
    const shown = await errorShown(flags, 'wgml.test');
    expect(shown).toMatch(/no WebGPU \(navigator\.gpu is undefined\)\. Use Chrome or Edge 113\+/);
    expect(shown).toMatch(/secure context \(https:\/\/ or http:\/\/localhost\); this page is not one \(http:\/\/wgml\.test:\d+\)/);
  });
});
