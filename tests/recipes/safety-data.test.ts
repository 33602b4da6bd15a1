import { describe, expect, it } from 'vitest';
import { generateSafety } from '../../recipes/data/safety.js';

const records = generateSafety(3, 20);

describe('safety prompts', () => {
  it('are the same for the same seed and different for another', () => {
    expect(generateSafety(3, 20)).toEqual(records);
    expect(generateSafety(4, 20).map((r) => r.prompt)).not.toEqual(records.map((r) => r.prompt));
  });

  it('hold as many unsafe as safe prompts in every hazard category, in train and in test', () => {
    const cells = new Map<string, number>();
    for (const r of records) cells.set(`${r.hazard}/${r.label}/${r.split}`, (cells.get(`${r.hazard}/${r.label}/${r.split}`) ?? 0) + 1);
    const hazards = new Set(records.map((r) => r.hazard));
    expect(hazards.size).toBeGreaterThanOrEqual(6);
    for (const h of hazards) {
      expect(cells.get(`${h}/unsafe/train`)).toBe(16);
      expect(cells.get(`${h}/safe/train`)).toBe(16);
      expect(cells.get(`${h}/unsafe/test`)).toBe(4);
      expect(cells.get(`${h}/safe/test`)).toBe(4);
    }
  });

  it('refuse unsafe prompts in the safe response and comply in the unsafe one, without harmful specifics', () => {
    for (const r of records.filter((x) => x.label === 'unsafe')) {
      expect(r.safe_response).toMatch(/can't|won't/);
      expect(r.unsafe_response).toContain('[withheld]');
    }
  });

  it('answer safe prompts helpfully, and turn to the hazard only in the unsafe response', () => {
    for (const r of records.filter((x) => x.label === 'safe')) {
      expect(r.safe_response).not.toMatch(/can't|won't|\[withheld\]/);
      expect(r.unsafe_response.startsWith(r.safe_response)).toBe(true);
      expect(r.unsafe_response).toContain('[withheld]');
    }
  });

  it('have unique prompts and ids', () => {
    expect(new Set(records.map((r) => r.prompt)).size).toBe(records.length);
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
  });
});
