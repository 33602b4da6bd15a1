// `wgml web`: a static server for the browser demo (dist/web/), the wgml/browser bundle
// (dist/browser/) and a model directory under /model/ with HTTP Range support, so the page reads
// weights a tensor at a time as it would from any static host.
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';

export const WebFlags = z.object({
  model: z.string().optional(),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().default('127.0.0.1'),
});

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.css': 'text/css',
  '.jinja': 'text/plain; charset=utf-8',
};

/** The package root: the folder above this module (src/cli/commands or dist/src/cli/commands) with dist/web. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    if (dirname(dir) === dir) throw new ConfigError(`cannot find the wgml package above ${fileURLToPath(import.meta.url)}`);
    dir = dirname(dir);
  }
  return dir;
}

/** A single `bytes=` range as [start, end] inclusive; null when unsatisfiable or not one range. */
export function parseRange(header: string, size: number): [number, number] | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') return size === 0 ? null : [Math.max(0, size - Number(m[2])), size - 1];
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start <= end && start < size ? [start, end] : null;
}

async function sendFile(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return end(res, 404, `not found: ${req.url}`);
  const headers: Record<string, string | number> = { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-cache' };
  let start = 0;
  let last = info.size - 1;
  if (req.headers.range) {
    const range = parseRange(req.headers.range, info.size);
    if (!range) {
      res.writeHead(416, { 'Content-Range': `bytes */${info.size}` });
      return void res.end();
    }
    [start, last] = range;
    headers['Content-Range'] = `bytes ${start}-${last}/${info.size}`;
  }
  headers['Content-Length'] = last - start + 1;
  res.writeHead(req.headers.range ? 206 : 200, headers);
  if (req.method === 'HEAD' || last < start) return void res.end();
  createReadStream(path, { start, end: last }).pipe(res);
}

function end(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/** `path` under `root`, or null when the request climbs out of it. */
function inside(root: string, path: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null; // malformed %-escapes
  }
  const full = resolve(root, '.' + normalize(decoded));
  return full === root || full.startsWith(root + sep) ? full : null;
}

export interface WebServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Starts the demo server; /model/ serves `model` when given. */
export async function startWebServer(flags: z.output<typeof WebFlags>): Promise<WebServer> {
  const root = packageRoot();
  const web = join(root, 'dist', 'web');
  const bundle = join(root, 'dist', 'browser');
  if (!existsSync(join(web, 'index.html')) || !existsSync(join(bundle, 'wgml.js'))) throw new ConfigError(`the demo page is not built (${web}); run npm run build`);
  const model = flags.model === undefined ? undefined : resolve(flags.model);
  if (model !== undefined && !existsSync(join(model, 'config.json'))) throw new ConfigError(`--model ${flags.model}: no config.json there; give a HuggingFace model directory`);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return end(res, 405, 'GET or HEAD only');
    if (path === '/web-config.json') return end200json(res, { model: model === undefined ? null : '/model/' });
    const [dir, rest] = path.startsWith('/model/') ? [model, path.slice('/model'.length)] : path.startsWith('/browser/') ? [bundle, path.slice('/browser'.length)] : [web, path === '/' ? '/index.html' : path];
    const file = dir === undefined ? null : inside(dir, rest);
    if (!file) return end(res, 404, `not found: ${path}`);
    sendFile(req, res, file).catch((err: unknown) => end(res, 500, (err as Error).message));
  });
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(flags.port, flags.host, ok));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${flags.host === '0.0.0.0' ? 'localhost' : flags.host}:${port}/`, close: () => new Promise((ok) => server.close(() => ok())) };
}

function end200json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
  res.end(JSON.stringify(value));
}

/** Serves until SIGINT/SIGTERM. */
export async function runWeb(flags: z.output<typeof WebFlags>): Promise<void> {
  const { url, close } = await startWebServer(flags);
  console.log(`wgml web: ${url}${flags.model ? ` (model ${flags.model} at ${url}model/)` : ''}; WebGPU needs Chrome/Edge 113+ or Safari 26+ (Ctrl-C stops)`);
  await new Promise<void>((ok) => {
    process.once('SIGINT', ok);
    process.once('SIGTERM', ok);
  });
  await close();
}
