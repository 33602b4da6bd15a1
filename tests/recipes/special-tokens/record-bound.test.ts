import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, presetFile } from '../../../recipes/index.js';
import { SpecialTokensConfigSchema } from '../../../recipes/special-tokens/config.js';
import { problemSplit } from '../../../recipes/special-tokens/data.js';
import { readProblems } from '../../../recipes/special-tokens/problems.js';
import { ConfigError } from '../../../src/errors.js';
import { MAX_RECORD_BYTES } from '../../../src/io/dataset.js';

const load = (sets: string[]) => loadConfig(SpecialTokensConfigSchema, { files: [presetFile('special-tokens', 'default'), presetFile('special-tokens', 'smoke')], sets });
const bug = (code: string) => JSON.stringify({ name: 'f', buggy: code, test: 'assert f() == 1', error: 'AssertionError' });

async function problemsFile(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'wgml-st-bound-')), 'problems.jsonl');
  await writeFile(file, text);
  return file;
}

describe('special-tokens data.max_record_bytes', () => {
  it('defaults to the reader’s bound (1 MiB), from the schema alone', async () => {
    expect((await load([])).data.max_record_bytes).toBe(MAX_RECORD_BYTES);
    expect(SpecialTokensConfigSchema.parse({}).data.max_record_bytes).toBe(MAX_RECORD_BYTES);
  });

  it('must be a positive integer', async () => {
    await expect(load(['data.max_record_bytes=0'])).rejects.toThrow(/max_record_bytes/);
  });

  it('a problem over the configured bound stops the data step’s read, naming the file, line and bound', async () => {
    const file = await problemsFile([bug('def f(): return 0\n'), bug(`def f():\n${'    x = 0\n'.repeat(40)}    return x\n`)].join('\n') + '\n');
    const error = await problemSplit(await load([`data.problems=${file}`, 'data.max_record_bytes=300'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/problems\.jsonl:2: record is over 300 bytes/);
  });

  it('problems within the bound are read', async () => {
    const file = await problemsFile([bug('def f(): return 0\n'), bug('def f(): return 2\n')].join('\n') + '\n');
    const { problems } = await problemSplit(await load([`data.problems=${file}`, 'data.max_record_bytes=300']));
    expect(problems).toHaveLength(2);
  });

  it('errors name the file line, blank lines counted', async () => {
    const file = await problemsFile(`${bug('def f(): return 0\n')}\n\n{"title": "no columns"}\n`);
    await expect(readProblems(file)).rejects.toThrow(/problems\.jsonl:3: needs string fields name, buggy and test/);
  });
});
