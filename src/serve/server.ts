// `wgml serve`: an OpenAI-compatible HTTP server over the Engine. It listens at once (503 while the
// model loads), checks the key, parses bodies with zod, and drains on close: no new requests, those
// in flight finish (or are cancelled after a grace period), then the engine and model are freed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, resolve } from 'node:path';
import { Engine } from '../engine/engine.js';
import type { EngineOptions } from '../engine/capacity.js';
import type { Device } from '../gpu/device.js';
import { loadModel, type LoadModelOptions } from '../model/model.js';
import type { QuantFormat } from '../quant/layouts.js';
import { chatCompletions, completions, loadAdapter, unloadAdapter, type ServedModel } from './handlers.js';
import { HttpError, toHttpError } from './http-error.js';
import { ServerMetrics } from './metrics.js';
import { sendJson } from './respond.js';
import { detokenize, tokenize } from './tokenize.js';

export interface ServeOptions {
  /** A HuggingFace Qwen directory. */
  model: string;
  /** Adapters by the name requests give as `model`. */
  adapters?: Record<string, string>;
  port?: number;
  host?: string;
  /** Requests must send `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** The base model's name in /v1/models and requests; default: the directory's name. */
  servedModelName?: string;
  engine?: EngineOptions;
  device?: Device;
  quantize?: QuantFormat;
  /** A Jinja chat template for /v1/chat/completions instead of the model's own (vLLM's --chat-template). */
  chatTemplate?: LoadModelOptions['chatTemplate'];
  /** Requests still running this long after close() starts are cancelled. Default 10 s. */
  drainMs?: number;
}

export interface WgmlServer {
  readonly url: string;
  readonly port: number;
  /** Resolves when the model is loaded and requests are served; rejects if loading failed. */
  readonly ready: Promise<void>;
  readonly served: () => ServedModel | null;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 8 << 20;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body exceeds ${MAX_BODY_BYTES} bytes`, 'invalid_request_error');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON: ${(error as Error).message}`, 'invalid_request_error');
  }
}

/** OpenAI's model list with vLLM's extras: root (the directory), parent (an adapter's base) and max_model_len. */
function modelList(s: ServedModel, created: number) {
  const card = { object: 'model', created, owned_by: 'wgml', max_model_len: s.engine.plan.slotTokens };
  const base = { id: s.name, ...card, root: s.model.dir, parent: null };
  const adapters = s.engine.adapters.names.map((name) => ({ id: name, ...card, root: s.engine.adapters.dirOf(name), parent: s.name }));
  return { object: 'list', data: [base, ...adapters] };
}

export async function serve(options: ServeOptions): Promise<WgmlServer> {
  const metrics = new ServerMetrics();
  const created = Math.floor(Date.now() / 1000);
  let served: ServedModel | null = null;
  let state: 'loading' | 'ready' | 'draining' | 'failed' = 'loading';

  const unavailable = () => new HttpError(503, state === 'loading' ? 'the model is still loading; retry shortly' : 'the server is shutting down', 'service_unavailable', null, 'service_unavailable');

  async function route(req: IncomingMessage, res: ServerResponse, path: string, signal: AbortSignal): Promise<void> {
    if (req.method === 'GET' && path === '/health') {
      if (state !== 'ready') throw unavailable();
      return sendJson(res, 200, { status: 'ok' });
    }
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return void res.end(metrics.render(served?.engine ?? null));
    }
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      throw new HttpError(401, 'Incorrect API key provided: send Authorization: Bearer <key> with the key the server was started with', 'invalid_request_error', null, 'invalid_api_key');
    }
    const endpoints: Record<string, typeof chatCompletions> = {
      '/v1/chat/completions': chatCompletions,
      '/v1/completions': completions,
      '/v1/load_lora_adapter': loadAdapter,
      '/v1/unload_lora_adapter': unloadAdapter,
      '/tokenize': tokenize,
      '/detokenize': detokenize,
    };
    const handler = endpoints[path];
    if (req.method === 'GET' && path === '/v1/models') {
      if (!served) throw unavailable();
      return sendJson(res, 200, modelList(served, created));
    }
    if (!handler) throw new HttpError(404, `no route ${req.method} ${path}`, 'invalid_request_error', null, 'unknown_url');
    if (req.method !== 'POST') throw new HttpError(405, `${path} takes POST`, 'invalid_request_error');
    const body = await readJson(req);
    if (state !== 'ready' || !served) throw unavailable();
    await handler(served, body, res, signal);
  }

  const inFlight = new Set<Promise<void>>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const handled = route(req, res, path, controller.signal)
      .then(() => metrics.count(path, res.statusCode))
      .catch((error: unknown) => {
        const e = toHttpError(error, 'prompt');
        metrics.count(path, e.status);
        if (res.headersSent) return void res.end();
        sendJson(res, e.status, e.body);
      })
      .finally(() => inFlight.delete(handled));
    inFlight.add(handled);
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 8000, options.host ?? '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;

  const ready = (async () => {
    const model = await loadModel(options.model, { device: options.device, quantize: options.quantize, chatTemplate: options.chatTemplate });
    const engine = new Engine(model, options.engine);
    for (const [name, dir] of Object.entries(options.adapters ?? {})) await engine.loadAdapter(name, dir);
    served = { model, engine, name: options.servedModelName ?? basename(resolve(options.model)) };
    if (state === 'loading') state = 'ready';
  })();
  ready.catch(() => (state = 'failed'));

  async function close(): Promise<void> {
    state = 'draining';
    const closed = new Promise<void>((ok) => server.close(() => ok()));
    await ready.catch(() => undefined);
    if (served) {
      const s = served;
      const timer = setTimeout(() => s.engine.abortAll(), options.drainMs ?? 10_000);
      // Requests already received are answered (those still reading their body get 503); then the engine empties.
      await Promise.all([...inFlight]);
      await s.engine.drain();
      clearTimeout(timer);
      s.engine.dispose();
      s.model.dispose();
      served = null;
    }
    server.closeAllConnections();
    await closed;
  }

  return { url: `http://${options.host ?? '127.0.0.1'}:${port}`, port, ready, served: () => served, close };
}
