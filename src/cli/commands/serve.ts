// `wgml serve`: the OpenAI-compatible server until SIGINT or SIGTERM, then a drain (a second signal cancels what runs).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Device } from '../../gpu/device.js';
import { serve } from '../../serve/server.js';
import { ConfigError } from '../../errors.js';

// vLLM's names are accepted beside wgml's: --lora-modules (--adapter), --max-num-seqs (--max-batch).
export const ServeFlags = z.object({
  model: z.string({ message: 'is required' }),
  adapter: z.array(z.string()).default([]),
  'lora-modules': z.array(z.string()).default([]),
  port: z.coerce.number().int().min(0).max(65535).default(8000),
  host: z.string().default('127.0.0.1'),
  'api-key': z.string().min(1).optional(),
  'max-batch': z.coerce.number().int().positive().optional(),
  'max-num-seqs': z.coerce.number().int().positive().optional(),
  'max-model-len': z.coerce.number().int().positive().optional(),
  'max-queue': z.coerce.number().int().positive().default(1024),
  'served-model-name': z.string().min(1).optional(),
  quantize: z.enum(['nf4', 'q4']).optional(),
  'chat-template': z.string().min(1).optional(),
});

export const SERVE_OPTIONS = {
  adapter: { type: 'string', multiple: true },
  'lora-modules': { type: 'string', multiple: true },
  'max-num-seqs': { type: 'string' },
  'max-model-len': { type: 'string' },
  'chat-template': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'api-key': { type: 'string' },
  'max-batch': { type: 'string' },
  'max-queue': { type: 'string' },
  'served-model-name': { type: 'string' },
} as const;

/** NAME=DIR pairs of --adapter and --lora-modules. */
function adapterDirs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new ConfigError(`--adapter ${pair}: expected NAME=DIR`);
    if (pair.slice(0, eq) in out) throw new ConfigError(`--adapter ${pair}: the name ${pair.slice(0, eq)} is given twice`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** --chat-template as vLLM reads it: a file's path, or the Jinja template itself. */
async function chatTemplate(value: string | undefined): Promise<{ source: string; file: string } | undefined> {
  if (value === undefined) return undefined;
  if (existsSync(value)) return { source: await readFile(value, 'utf8'), file: value };
  if (/\{[{%]/.test(value)) return { source: value, file: '--chat-template' };
  throw new ConfigError(`--chat-template ${value}: no such file, and not a Jinja template either`);
}

/** --max-batch or vLLM's --max-num-seqs (not two different values); default 32. */
function maxBatch(flags: z.output<typeof ServeFlags>): number {
  const [a, b] = [flags['max-batch'], flags['max-num-seqs']];
  if (a !== undefined && b !== undefined && a !== b) throw new ConfigError(`--max-batch ${a} and --max-num-seqs ${b} name the same limit; give one`);
  return a ?? b ?? 32;
}

export async function runServe(device: Device, flags: z.output<typeof ServeFlags>): Promise<void> {
  const server = await serve({
    model: flags.model,
    adapters: adapterDirs([...flags.adapter, ...flags['lora-modules']]),
    port: flags.port,
    host: flags.host,
    apiKey: flags['api-key'] ?? process.env['WGML_API_KEY'],
    servedModelName: flags['served-model-name'],
    quantize: flags.quantize,
    chatTemplate: await chatTemplate(flags['chat-template']),
    engine: { maxBatch: maxBatch(flags), maxQueue: flags['max-queue'], maxModelLen: flags['max-model-len'] },
    device,
  });
  console.error(`wgml serve: listening on ${server.url} (loading ${flags.model})`);
  await server.ready;
  const served = server.served()!;
  console.error(`wgml serve: ready: model "${served.name}"${served.engine.adapters.names.map((n) => `, adapter "${n}"`).join('')}; ${served.engine.plan.slots} slots × ${served.engine.plan.slotTokens} tokens`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        console.error(`wgml serve: ${signal} again: cancelling requests in flight`);
        return served.engine.abortAll();
      }
      stopping = true;
      console.error(`wgml serve: ${signal}: finishing requests in flight (again to cancel them)`);
      void server.close().then(resolve);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}
