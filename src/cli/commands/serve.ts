// `wgml serve`: the OpenAI-compatible server until SIGINT or SIGTERM, then a drain (a second signal cancels what runs).
import { z } from 'zod';
import type { Device } from '../../gpu/device.js';
import { serve } from '../../serve/server.js';
import { ConfigError } from '../../errors.js';

export const ServeFlags = z.object({
  model: z.string({ message: 'is required' }),
  adapter: z.array(z.string()).default([]),
  port: z.coerce.number().int().min(0).max(65535).default(8000),
  host: z.string().default('127.0.0.1'),
  'api-key': z.string().min(1).optional(),
  'max-batch': z.coerce.number().int().positive().default(32),
  'max-queue': z.coerce.number().int().positive().default(1024),
  'served-model-name': z.string().min(1).optional(),
  quantize: z.enum(['nf4', 'q4']).optional(),
});

export const SERVE_OPTIONS = {
  adapter: { type: 'string', multiple: true },
  port: { type: 'string' },
  host: { type: 'string' },
  'api-key': { type: 'string' },
  'max-batch': { type: 'string' },
  'max-queue': { type: 'string' },
  'served-model-name': { type: 'string' },
} as const;

/** NAME=DIR pairs of --adapter. */
function adapterDirs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new ConfigError(`--adapter ${pair}: expected NAME=DIR`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export async function runServe(device: Device, flags: z.output<typeof ServeFlags>): Promise<void> {
  const server = await serve({
    model: flags.model,
    adapters: adapterDirs(flags.adapter),
    port: flags.port,
    host: flags.host,
    apiKey: flags['api-key'] ?? process.env['WGML_API_KEY'],
    servedModelName: flags['served-model-name'],
    quantize: flags.quantize,
    engine: { maxBatch: flags['max-batch'], maxQueue: flags['max-queue'] },
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
