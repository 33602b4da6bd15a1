// GSM8K answers: the number after the last `#### `, commas stripped, sign and decimals kept; when a
// completion has no `####`, its last number is reported as a fallback (and flagged as such).

export interface ParsedAnswer {
  value: number | null;
  /** 'marker': after the last `####`; 'last-number': no marker, the text's last number; 'none'. */
  source: 'marker' | 'last-number' | 'none';
}

const NUMBER = /-?\d[\d,]*(?:\.\d+)?|-?\.\d+/g;

function toNumber(text: string): number | null {
  const value = Number(text.replace(/,/g, ''));
  return Number.isFinite(value) ? value : null;
}

export function parseAnswer(text: string): ParsedAnswer {
  const marker = text.lastIndexOf('####');
  if (marker >= 0) {
    const first = text.slice(marker + 4).match(NUMBER)?.[0];
    if (first !== undefined) return { value: toNumber(first), source: 'marker' };
  }
  const all = text.match(NUMBER);
  return all ? { value: toNumber(all[all.length - 1]!), source: 'last-number' } : { value: null, source: 'none' };
}

/** A completion is correct when its marked answer equals the gold one (the fallback never counts). */
export function isCorrect(completion: string, gold: string): boolean {
  const got = parseAnswer(completion);
  const want = parseAnswer(gold);
  return got.source === 'marker' && got.value !== null && got.value === want.value;
}
