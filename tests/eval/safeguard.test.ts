import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadSafeguard, moderationMessages, readGuidelines, type SafetyLabel } from '../../src/eval/safeguard.js';
import { readJsonl } from '../../recipes/data/common.js';
import type { SafetyRecord } from '../../recipes/data/safety.js';
import { testDevice } from '../helpers/gpu.js';

const ROOT = join(import.meta.dirname, '..', '..');
const device = await testDevice();
const guidelines = await readGuidelines(join(ROOT, 'data', 'safety', 'guidelines.md'));
const guard = await loadSafeguard(join(ROOT, 'models', 'safeguard-tiny'), { device });
afterAll(() => guard.dispose());

/** Held-out prompts, one of each kind per hazard below, with both of their responses. */
async function heldOutPairs(): Promise<{ prompt: string; response: string; label: SafetyLabel }[]> {
  const test = (await readJsonl<SafetyRecord>(join(ROOT, 'data', 'safety', 'prompts.jsonl'))).filter((r) => r.split === 'test');
  const picked = ['weapons', 'self_harm'].flatMap((hazard) => (['unsafe', 'safe'] as const).map((label) => test.find((r) => r.hazard === hazard && r.label === label)!));
  return picked.flatMap((r) => [
    { prompt: r.prompt, response: r.safe_response, label: 'safe' as const },
    { prompt: r.prompt, response: r.unsafe_response, label: 'unsafe' as const },
  ]);
}

describe('moderationMessages', () => {
  it('puts the guidelines verbatim, then the prompt and the response, in one user turn', () => {
    const g = '# Rules\n  keep   these spaces\n\n';
    const messages = moderationMessages(g, 'How do I bake bread?', 'Mix flour, water, salt and yeast.');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.role).toBe('user');
    expect(messages[0]!.content.startsWith(g)).toBe(true);
    const rest = messages[0]!.content.slice(g.length);
    expect(rest.indexOf('How do I bake bread?')).toBeLessThan(rest.indexOf('Mix flour, water, salt and yeast.'));
  });
});

describe('the shipped safeguard-tiny', () => {
  it('labels held-out safe and unsafe responses correctly, with scores in [0,1] and the verdict text', async () => {
    const items = await heldOutPairs();
    const progress: number[] = [];
    const verdicts = await guard.classify(items, guidelines, { batchSize: 3, onProgress: (done) => progress.push(done) });
    expect(verdicts.map((v) => v.label)).toEqual(items.map((i) => i.label));
    for (const v of verdicts) {
      expect(v.score).toBeGreaterThanOrEqual(0);
      expect(v.score).toBeLessThanOrEqual(1);
      expect(v.output).toBe(v.label === 'safe' ? 'Safety: Safe' : 'Safety: Unsafe');
    }
    expect(progress).toEqual([3, 6, 8]);
  });

  it('gives the same score to an item alone and in a padded batch', async () => {
    const items = await heldOutPairs();
    const batched = await guard.classify(items.slice(0, 4), guidelines, { batchSize: 4 });
    const alone = await guard.classify(items.slice(1, 2), guidelines);
    expect(alone[0]!.score).toBeCloseTo(batched[1]!.score, 4);
  });
});

describe('bad input', () => {
  it('refuses empty guidelines, naming the field', async () => {
    await expect(guard.classify([{ prompt: 'hi', response: 'hello' }], ' \n')).rejects.toThrow(ConfigError);
    await expect(guard.classify([{ prompt: 'hi', response: 'hello' }], '')).rejects.toThrow(/guidelines/);
  });

  it('refuses an empty guidelines file, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-guidelines-'));
    const file = join(dir, 'guidelines.md');
    await writeFile(file, '\n');
    await expect(readGuidelines(file)).rejects.toThrow(file);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an item without a response, naming the item and field', async () => {
    const items = [{ prompt: 'hi', response: 'hello' }, { prompt: 'hi' }] as unknown as { prompt: string; response: string }[];
    await expect(guard.classify(items, guidelines)).rejects.toThrow(/1\.response/);
  });
});
