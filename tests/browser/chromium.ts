// Headless Chromium (Debian's `chromium` package, apt-get in .ci/run) on its software WebGPU
// adapter, SwiftShader, driven by puppeteer-core; and the demo server in front of the shipped tiny
// model. A missing Chromium fails the browser tests (never skips them).
//
// Flags that give WebGPU here (Chromium 156, as root, no GPU, no display):
//   --headless=new --no-sandbox --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader
// --no-sandbox: Chromium refuses to run as root without it. Without --enable-unsafe-webgpu Linux
// Chromium gives no adapter; --enable-features=Vulkan is not needed for SwiftShader.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startWebServer, type WebServer } from '../../src/cli/commands/web.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const TINY = join(ROOT, 'models', 'qwen3-tiny');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

export interface Session {
  browser: Browser;
  page: Page;
  server: WebServer;
  /** Console lines and page errors, for failure messages. */
  log: string[];
  close(): Promise<void>;
}

/** Builds the bundle and page from the current source, serves them with `model` at /model/, and opens the page. */
export async function openDemo(model = TINY, path = '/', flags = CHROMIUM_FLAGS): Promise<Session> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the browser tests need Chromium (apt-get install chromium, or set CHROMIUM to its path)`);
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'bundle-browser.mjs')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`bundle-browser failed: ${built.stderr}`);
  const server = await startWebServer({ model, port: 0, host: '127.0.0.1' });
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: flags, protocolTimeout: 600_000 });
  const page = await browser.newPage();
  const log: string[] = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${(e as Error).message}`));
  await page.goto(server.url + path.replace(/^\//, ''));
  return {
    browser,
    page,
    server,
    log,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** max |a − b| / max |b|: the error of `a` relative to the reference `b`'s scale. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}
