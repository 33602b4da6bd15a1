// The calls a recipe step makes for --backend cuda, dry: the files land in <run>/cuda/, the spec
// points at them, and the prompt ids are the ones wgml's engine would be given.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readExamples } from '../../src/cuda/pretokenized.js';
import { chatPromptIds, cudaFineTune, cudaGenerate } from '../../src/cuda/steps.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { generateInput, trainInput } from './fixtures.js';

const quiet = { log: () => undefined, python: 'python3' };

describe('recipe-step calls, dry', () => {
  it('cudaFineTune writes the examples and a train spec pointing at them, and runs nothing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wgml-cuda-steps-'));
    const examples = [{ input_ids: [1, 2, 3], labels: [-100, 2, 3] }, { input_ids: [4, 5], labels: [-100, 5] }];
    const { adapterDir, step } = await cudaFineTune({ ...trainInput(root), runDir: join(root, 'run'), examples }, { gpus: 2, dryRun: true, ...quiet });
    expect(await readdir(join(root, 'run', 'cuda'))).toEqual(['train.json', 'train.jsonl']);
    expect(await readExamples(join(root, 'run', 'cuda', 'train.jsonl'))).toEqual(examples);
    const spec = JSON.parse(await readFile(join(root, 'run', 'cuda', 'train.json'), 'utf8')) as { data: { train: string }; train: { max_steps: number }; gpus: number };
    expect([spec.data.train, spec.train.max_steps, spec.gpus, adapterDir]).toEqual([join(root, 'run', 'cuda', 'train.jsonl'), 1, 2, join(root, 'run', 'adapter')]);
    expect(step.ran).toBe(false);
  });

  it('cudaFineTune with relocate writes its files where relocate says, while the spec and commands name the run', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wgml-cuda-steps-'));
    const [run, scratch] = [join(root, 'run'), join(root, 'scratch')];
    const relocate = (p: string) => (p.startsWith(run) ? scratch + p.slice(run.length) : p);
    const examples = [{ input_ids: [1, 2], labels: [-100, 2] }];
    const { step } = await cudaFineTune({ ...trainInput(root), runDir: run, examples }, { gpus: 1, dryRun: true, relocate, ...quiet });
    expect((await readdir(join(scratch, 'cuda'))).sort()).toEqual(['train.json', 'train.jsonl']);
    expect(await readdir(root)).toEqual(['scratch']);
    const spec = JSON.parse(await readFile(join(scratch, 'cuda', 'train.json'), 'utf8')) as { data: { train: string }; output_dir: string };
    expect([spec.data.train, spec.output_dir, step.specPath]).toEqual([join(run, 'cuda', 'train.jsonl'), run, join(run, 'cuda', 'train.json')]);
    expect(step.commands[0]).toContain(`-m wgml_cuda train ${join(run, 'cuda', 'train.json')}`);
  });

  it('cudaGenerate writes the prompts file and one spec per model', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wgml-cuda-steps-'));
    const rows = [{ index: 0, record: { index: 0, problem: 'p', answer: '1' }, prompt_token_ids: [1, 2], seeds: [5, 6] }];
    const step = await cudaGenerate({ ...generateInput(root), chunkIds: [0], workDir: join(root, 'cuda'), rows, sampling: { ...generateInput(root).sampling, n: 2 } }, { gpus: 1, dryRun: true, ...quiet });
    expect((await readdir(join(root, 'cuda'))).sort()).toEqual(['Qwen3-4B.prompts.jsonl', 'generate-Qwen3-4B.json']);
    expect(step.commands).toHaveLength(1);
  });

  it('chatPromptIds are the ids of the chat template with a generation prompt', async () => {
    const tokenizer = await loadTokenizer('models/qwen3-tiny');
    const messages = [{ role: 'user' as const, content: 'What is 2 + 3?' }];
    const text = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, enableThinking: false });
    expect(chatPromptIds(tokenizer, messages, { enableThinking: false })).toEqual(tokenizer.encode(text, { addSpecialTokens: false }));
  });
});
