import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, presetFile } from '../../../recipes/index.js';
import { SpecialTokensConfigSchema } from '../../../recipes/special-tokens/config.js';
import { instructionsFor, teacherJob } from '../../../recipes/special-tokens/instructions.js';
import { readProblems } from '../../../recipes/special-tokens/problems.js';
import { scriptedReply } from '../../../recipes/special-tokens/scripted-teacher.js';
import { freshProblems, teacherTranscripts } from '../../../recipes/special-tokens/teacher-transcripts.js';
import { loadTokenizer } from '../../../src/io/tokenizer.js';
import { IGNORE_INDEX } from '../../../src/tensor/ops/cross-entropy.js';

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const TOKENS = ['<|AGENT|>', '<|EDIT|>'];
const shipped = await readProblems(root('data/special-tokens/bugs.jsonl'));
const systemPrompt = await readFile(root('configs/special-tokens/system_prompt.md'), 'utf8');
const tokenizer = await loadTokenizer(root('models/qwen3-tiny'));

describe("the shipped teacher's training data", () => {
  it("draws distinct programs, none of them in the recipe's problem file (so none in any eval split)", () => {
    const fresh = freshProblems(shipped, 1014, 40);
    const programs = new Set(shipped.map((p) => p.code));
    expect(fresh).toHaveLength(40);
    expect(new Set(fresh.map((p) => p.code)).size).toBe(40);
    expect(fresh.filter((p) => programs.has(p.code))).toEqual([]);
  });

  it("asks as the data step asks (system prompt, instruction) and learns only the scripted teacher's reply", () => {
    const problems = freshProblems(shipped, 1014, 2);
    const examples = teacherTranscripts(tokenizer, systemPrompt, problems, TOKENS);
    const jobs = problems.flatMap(instructionsFor).map((i) => teacherJob(i, systemPrompt));
    expect(examples).toHaveLength(4);
    examples.forEach((e, k) => {
      const prompt = tokenizer.encode(tokenizer.applyChatTemplate(jobs[k]!.messages, { addGenerationPrompt: true }), { addSpecialTokens: false });
      const first = e.labels.findIndex((l) => l !== IGNORE_INDEX);
      expect(e.input_ids.slice(0, first)).toEqual(prompt);
      expect(tokenizer.decode(e.input_ids.slice(first))).toBe(`${scriptedReply(jobs[k]!.messages[1]!.content, problems, TOKENS)}<|im_end|>\n`);
    });
  });

  it("leaves room for the default preset's max_tokens in the tiny model's 512 positions, on every shipped problem", async () => {
    const config = await loadConfig(SpecialTokensConfigSchema, { files: [presetFile('special-tokens', 'default')] });
    const prompts = shipped.flatMap(instructionsFor).map((i) => tokenizer.encode(tokenizer.applyChatTemplate(teacherJob(i, systemPrompt).messages, { addGenerationPrompt: true }), { addSpecialTokens: false }));
    expect(Math.max(...prompts.map((p) => p.length)) + config.teacher.max_tokens).toBeLessThanOrEqual(512);
  });
});
