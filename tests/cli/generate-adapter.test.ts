// `wgml generate --adapter DIR` loads a PEFT adapter (e.g. the one the browser demo downloads) on
// top of the base and streams the same greedy text as the library with that adapter.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model.js';
import { testDevice } from '../helpers/gpu.js';

const exec = promisify(execFile);
const TINY = 'models/qwen3-tiny';
const device = await testDevice();

async function trainedLookingAdapter(): Promise<string> {
  const model = await loadModel(TINY, { device });
  const adapter = model.addLora({ r: 4, dropout: 0, targetModules: ['q_proj', 'v_proj', 'down_proj'] }, 3);
  for (const t of adapter.parameters.values()) t.write(Float32Array.from({ length: t.size }, (_, i) => Math.sin(i * 0.7 + t.size) * 0.2));
  const dir = await mkdtemp(join(tmpdir(), 'wgml-cli-adapter-'));
  await model.saveAdapter(dir);
  model.dispose();
  return dir;
}

const wgml = (args: string[]) => exec(process.execPath, ['dist/src/cli/wgml.js', ...args], { maxBuffer: 16 << 20, timeout: 120_000 });

describe('wgml generate --adapter', () => {
  it('streams the greedy text of the base with the adapter on, and differs from the base alone', async () => {
    const dir = await trainedLookingAdapter();
    const prompt = 'Tom has 3 apples';
    const withAdapter = await loadModel(TINY, { device, adapter: dir });
    const expected = await withAdapter.generate(prompt, { maxNewTokens: 12 });
    withAdapter.dispose();
    const base = await loadModel(TINY, { device });
    const baseText = await base.generate(prompt, { maxNewTokens: 12 });
    base.dispose();
    const { stdout } = await wgml(['generate', '--model', TINY, '--prompt', prompt, '--max-tokens', '12', '--adapter', dir]);
    expect(stdout.trimEnd()).toBe(expected.trimEnd());
    expect(expected).not.toBe(baseText);
  });

  it('refuses two adapters for generate, naming the flag', async () => {
    const run = wgml(['generate', '--model', TINY, '--prompt', 'x', '--adapter', 'a', '--adapter', 'b']);
    await expect(run).rejects.toMatchObject({ stderr: expect.stringContaining('--adapter: generate and chat take one adapter directory') });
  });
});
