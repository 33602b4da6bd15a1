import { describe, expect, it } from 'vitest';
import { type FieldType, generateJsonTasks, gradeJsonReply, jsonSplits } from '../../recipes/data/json-format.js';

const tasks = generateJsonTasks(11, 400);

function hasType(value: unknown, type: FieldType): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  return typeof value === type;
}

describe('JSON extraction tasks', () => {
  it('are the same for the same seed and different for another', () => {
    expect(generateJsonTasks(11, 40)).toEqual(tasks.slice(0, 40));
    expect(generateJsonTasks(12, 40).map((t) => t.prompt)).not.toEqual(tasks.slice(0, 40).map((t) => t.prompt));
  });

  it('expect valid JSON with exactly the schema fields, in schema order, of the schema types', () => {
    for (const t of tasks) {
      const parsed = JSON.parse(t.completion) as Record<string, unknown>;
      expect(parsed).toEqual(t.output);
      expect(Object.keys(parsed)).toEqual(Object.keys(t.schema));
      for (const [field, type] of Object.entries(t.schema)) expect(hasType(parsed[field], type), `${field}: ${type} in ${t.completion}`).toBe(true);
    }
  });

  it('state every expected value in the input text', () => {
    for (const t of tasks) {
      for (const value of Object.values(t.output)) {
        if (typeof value === 'boolean') continue;
        const shown = typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(2) : String(value);
        expect(t.input, shown).toContain(shown);
      }
    }
  });

  it('put the schema and the input in the prompt', () => {
    for (const t of tasks) expect(t.prompt).toContain(`Schema: ${JSON.stringify(t.schema)}\nText: ${t.input}`);
  });

  it('mix plain tasks graded easy with every kind of hard negative graded hard', () => {
    const negatives = tasks.filter((t) => t.negative !== null);
    expect(negatives.length / tasks.length).toBeGreaterThan(0.3);
    expect(negatives.length / tasks.length).toBeLessThan(0.5);
    expect(new Set(negatives.map((t) => t.negative)).size).toBe(4);
    for (const t of tasks) expect(t.strictness).toBe(t.negative ? 'hard' : 'easy');
    expect(tasks.filter((t) => t.negative === 'fenced-json').every((t) => t.input.includes('```json'))).toBe(true);
  });

  it('grade a bare object right under both strictnesses, and fenced or chatty replies right only when easy', () => {
    const task = tasks[0]!;
    const fenced = `Sure! Here is the JSON:\n\`\`\`json\n${JSON.stringify(task.output, null, 2)}\n\`\`\``;
    for (const strictness of ['easy', 'hard'] as const) expect(gradeJsonReply(` ${task.completion}\n`, { output: task.output, strictness })).toBe(true);
    expect(gradeJsonReply(fenced, { output: task.output, strictness: 'easy' })).toBe(true);
    expect(gradeJsonReply(fenced, { output: task.output, strictness: 'hard' })).toBe(false);
    expect(gradeJsonReply('{"wrong": 1}', { output: task.output, strictness: 'easy' })).toBe(false);
  });

  it('share no prompt between train and test', () => {
    const { train, test } = jsonSplits(5, 300, 100);
    const seen = new Set(train.map((t) => t.prompt));
    expect(test.filter((t) => seen.has(t.prompt))).toEqual([]);
  });
});
