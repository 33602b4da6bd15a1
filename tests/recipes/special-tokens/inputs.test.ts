import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { SpecialTokensConfigSchema } from '../../../recipes/special-tokens/config.js';
import { openTeacher } from '../../../recipes/special-tokens/endpoint.js';
import { instructionsFor } from '../../../recipes/special-tokens/instructions.js';
import { readProblems } from '../../../recipes/special-tokens/problems.js';
import { scriptedReply } from '../../../recipes/special-tokens/scripted-teacher.js';

const noDevice = () => Promise.reject(new Error('no device needed'));
const jsonl = async (rows: object[]) => {
  const file = join(await mkdtemp(join(tmpdir(), 'wgml-st-in-')), 'p.jsonl');
  await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
};

const parquet = async (columns: Record<string, string[]>) => {
  const file = join(await mkdtemp(join(tmpdir(), 'wgml-st-pq-')), 'lcb.parquet');
  await writeFile(file, new Uint8Array(parquetWriteBuffer({ columnData: Object.entries(columns).map(([name, data]) => ({ name, data })) })));
  return file;
};

describe('special-tokens inputs', () => {
  it('names the missing API key variable for a remote teacher', async () => {
    const c = SpecialTokensConfigSchema.parse({ teacher: { mode: 'remote', base_url: 'https://example.invalid/v1', api_key_env: 'MY_TEACHER_KEY' } });
    await expect(openTeacher(c, [], noDevice, {})).rejects.toThrow(/\$MY_TEACHER_KEY is not set/);
  });

  it('refuses a problems row without the expected columns, naming the line', async () => {
    const file = await jsonl([{ name: 'f', buggy: 'def f(): pass\n', test: 'assert f()' }, { title: 'no columns' }]);
    await expect(readProblems(file)).rejects.toThrow(ConfigError);
    await expect(readProblems(file)).rejects.toThrow(/p\.jsonl:2: needs string fields name, buggy and test/);
  });

  it('reads LiveCodeBench-style rows (question_content, starter_code)', async () => {
    const [p] = await readProblems(await jsonl([{ question_id: 'lc1', question_content: 'Add two numbers.', starter_code: 'def add(a, b):\n' }]));
    expect(p!.id).toBe('lc1');
    expect(p!.code).toContain('def add(a, b):');
  });

  it('makes an AGENT instruction without the error and an EDIT instruction with it', async () => {
    const [p] = await readProblems(await jsonl([{ name: 'f', buggy: 'def f(): pass\n', test: 'assert f()', error: 'AssertionError' }]));
    const [agent, edit] = instructionsFor(p!);
    expect(agent!.input).not.toContain('AssertionError');
    expect(edit!.input).toContain('Error message:\nAssertionError');
  });

  it('has the scripted teacher choose EDIT exactly when an error message is given', async () => {
    const [p] = await readProblems(await jsonl([{ name: 'f', buggy: 'def f(): pass\n', fixed: 'def f(): return 1\n', test: 'assert f()', error: 'AssertionError' }]));
    const [agent, edit] = instructionsFor(p!).map((i) => scriptedReply(`${i.instruction}\n\n${i.input}`, [p!], ['<|AGENT|>', '<|EDIT|>']));
    expect(agent).toMatch(/<\/think>\n<\|AGENT\|>\n/);
    expect(edit).toMatch(/<\/think>\n<\|EDIT\|>\n```python\ndef f\(\): return 1/);
  });

  it('reads LiveCodeBench Parquet (question_content, starter_code), the first public test in the error', async () => {
    const file = await parquet({
      question_id: ['abc301_a', '2839'],
      question_content: ['Print the winner.', 'Return the sum.'],
      starter_code: ['', 'class Solution:\n    def total(self, nums):\n'],
      public_test_cases: ['[{"input": "5\\nTTAAT\\n", "output": "T\\n", "testtype": "stdin"}]', '[]'],
    });
    const [a, b] = await readProblems(file);
    expect(a).toMatchObject({ id: 'abc301_a', code: '# Print the winner.\n' });
    expect(a!.error).toBe('Wrong Answer on the first public test case\nInput:\n5\nTTAAT\nExpected output:\nT');
    expect(b!.code).toContain('def total(self, nums):');
    expect(b!.error).toBe('Wrong Answer on the first public test case');
  });

  it('refuses a Parquet file without starter_code, naming the file and the column', async () => {
    const file = await parquet({ question_id: ['q1'], question_content: ['Add two numbers.'] });
    await expect(readProblems(file)).rejects.toThrow(ConfigError);
    await expect(readProblems(file)).rejects.toThrow(/lcb\.parquet has no column 'starter_code'; its columns: question_id, question_content/);
  });

  it('refuses a Parquet file with neither kind of columns, listing the columns it has', async () => {
    const file = await parquet({ title: ['x'], body: ['y'] });
    await expect(readProblems(file)).rejects.toThrow(/lcb\.parquet has neither LiveCodeBench columns \(question_content, starter_code\) nor planted-bug columns \(name, buggy, test\); its columns: title, body/);
  });
});
