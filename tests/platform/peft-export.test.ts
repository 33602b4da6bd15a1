// The page's adapter download is PEFT's two files, byte for byte what Model.saveAdapter writes, and
// Node loads them back (what `wgml generate --adapter DIR` does).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../src/gpu/device.js';
import { loadModel } from '../../src/model/model.js';
import { adapterFiles } from '../../src/platform/peft-export.js';
import { createDevice } from '../../src/platform/node.js';

const TINY = join(import.meta.dirname, '..', '..', 'models', 'qwen3-tiny');
let device: Device;
const dirs: string[] = [];
const tempDir = () => dirs[dirs.push(mkdtempSync(join(tmpdir(), 'wgml-peft-'))) - 1]!;

beforeAll(async () => {
  device = await createDevice();
});
afterAll(() => {
  device?.destroy();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** The tiny model with a LoRA whose B is not zero, so the adapter changes the logits. */
async function tunedModel() {
  const model = await loadModel(TINY, { device });
  const adapter = model.addLora({ r: 4, alpha: 8, targetModules: ['q_proj', 'down_proj'] }, 3);
  for (const [name, t] of adapter.parameters) if (name.includes('lora_B')) t.write(Float32Array.from({ length: t.size }, (_, i) => Math.sin(i) * 0.05));
  return model;
}

describe('adapterFiles', () => {
  it('are the bytes Model.saveAdapter writes', async () => {
    const model = await tunedModel();
    try {
      const dir = tempDir();
      await model.saveAdapter(dir);
      const files = await adapterFiles(model);
      for (const name of ['adapter_config.json', 'adapter_model.safetensors'] as const) expect(Buffer.from(files[name]).equals(readFileSync(join(dir, name))), name).toBe(true);
    } finally {
      model.dispose();
    }
  });

  it('load in Node as the adapter they came from', async () => {
    const model = await tunedModel();
    const dir = tempDir();
    try {
      for (const [name, bytes] of Object.entries(await adapterFiles(model))) writeFileSync(join(dir, name), bytes);
      const loaded = await loadModel(TINY, { device, adapter: dir });
      try {
        const ids = [5, 6, 7, 8];
        expect(await loaded.logits(ids)).toEqual(await model.logits(ids));
      } finally {
        loaded.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  it('refuse a model without an adapter', async () => {
    const model = await loadModel(TINY, { device });
    try {
      await expect(adapterFiles(model)).rejects.toThrow('carries no LoRA adapter');
    } finally {
      model.dispose();
    }
  });
});
