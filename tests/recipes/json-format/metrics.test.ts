import { describe, expect, it } from 'vitest';
import type { FieldType } from '../../../recipes/data/json-format.js';
import { formatMetrics, gradeFormat } from '../../../recipes/json-format/metrics.js';

const schema: Record<string, FieldType> = { name: 'string', age: 'integer', price: 'number', member: 'boolean' };
const good = '{"name":"Ana {the} \\"A\\"","age":31,"price":2.5,"member":true}';

describe('gradeFormat', () => {
  it('passes one bare object with the schema keys and types, surrounding whitespace stripped', () => {
    expect(gradeFormat(`  ${good}\n`, schema)).toEqual({ ok: true, objects: 1, failures: [] });
  });

  it('accepts the schema keys in any order', () => {
    expect(gradeFormat('{"member":false,"price":3,"age":1,"name":"x"}', schema).ok).toBe(true);
  });

  it('flags prose before the object', () => {
    expect(gradeFormat(`Sure! Here is the JSON: ${good}`, schema)).toMatchObject({ ok: false, failures: ['prose_before'] });
  });

  it('flags prose after the object', () => {
    expect(gradeFormat(`${good}\nHope this helps!`, schema)).toMatchObject({ ok: false, failures: ['prose_after'] });
  });

  it('flags a code fence even with nothing else around it', () => {
    expect(gradeFormat(`\`\`\`json\n${good}\n\`\`\``, schema)).toMatchObject({ ok: false, failures: ['code_fence'] });
  });

  it('flags a truncated object', () => {
    expect(gradeFormat(good.slice(0, 20), schema)).toMatchObject({ ok: false, objects: 0, failures: ['truncated'] });
  });

  it('flags invalid JSON inside balanced braces', () => {
    expect(gradeFormat("{'name': 'x', age: 3}", schema)).toMatchObject({ ok: false, failures: ['invalid_json'] });
  });

  it('flags text with no object at all as invalid JSON', () => {
    expect(gradeFormat('The person is Ana, 31.', schema).failures).toEqual(['invalid_json']);
    expect(gradeFormat('', schema).failures).toEqual(['invalid_json']);
  });

  it('flags a missing or extra key as wrong keys', () => {
    expect(gradeFormat('{"name":"x","age":1,"price":2}', schema).failures).toEqual(['wrong_keys']);
    expect(gradeFormat('{"name":"x","age":1,"price":2,"member":true,"city":"Oslo"}', schema).failures).toEqual(['wrong_keys']);
  });

  it('flags a value of the wrong type, a fractional integer included', () => {
    expect(gradeFormat('{"name":"x","age":"31","price":2,"member":true}', schema).failures).toEqual(['wrong_types']);
    expect(gradeFormat('{"name":"x","age":31.5,"price":2,"member":true}', schema).failures).toEqual(['wrong_types']);
  });

  it('counts two objects as a duplicate, never a success', () => {
    expect(gradeFormat(`${good}\n${good}`, schema)).toMatchObject({ ok: false, objects: 2 });
  });

  it('treats a JSON array as not an object', () => {
    expect(gradeFormat(`[${good}]`, schema).ok).toBe(false);
  });
});

describe('formatMetrics', () => {
  it('gives the success and duplicate rates and counts each failure kind', () => {
    const texts = [good, `${good} ${good}`, `Sure! ${good}`, good.slice(0, 10)];
    const m = formatMetrics(texts.map((t, i) => ({ ...gradeFormat(t, schema), correct: i === 0 })));
    expect(m).toMatchObject({ n: 4, format_success_rate: 0.25, duplicate_json_objects_rate: 0.25, accuracy: 0.25 });
    expect(m.extras).toMatchObject({ prose_before: 1, truncated: 1, code_fence: 0 });
  });
});
