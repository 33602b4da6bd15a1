// Final answers of math solutions: the last \boxed{…}, else what follows the last `####`, else the
// last number; then normalised so that 1,000 = 1000, 2.50 = 2.5, 3/4 = \frac{3}{4} = 0.75 and
// `$ 12 $` = 12. Numbers compare as exact fractions, anything else as its normalised text.

export type AnswerSource = 'boxed' | 'marker' | 'last-number' | 'none';

export interface ExtractedAnswer {
  text: string | null;
  source: AnswerSource;
}

const NUMBER = /-?\d[\d,]*(?:\.\d+)?|-?\.\d+/g;

/** The contents of the last `\boxed{…}` (or `\fbox{…}`), braces matched; null when there is none. */
export function lastBoxed(text: string): string | null {
  const at = Math.max(text.lastIndexOf('\\boxed'), text.lastIndexOf('\\fbox'));
  if (at < 0) return null;
  const open = text.indexOf('{', at);
  if (open < 0) return null;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  return null;
}

export function extractAnswer(text: string): ExtractedAnswer {
  const boxed = lastBoxed(text);
  if (boxed !== null) return { text: boxed, source: 'boxed' };
  const marker = text.lastIndexOf('####');
  if (marker >= 0) {
    const rest = text.slice(marker + 4).split('\n')[0]!.trim();
    if (rest) return { text: rest, source: 'marker' };
  }
  const numbers = text.match(NUMBER);
  return numbers ? { text: numbers.at(-1)!, source: 'last-number' } : { text: null, source: 'none' };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/** `p/q` in lowest terms (or `p` when q = 1) for an integer, decimal or fraction; null otherwise. */
function exactNumber(text: string): string | null {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?(?:\/(\d+))?$/.exec(text);
  if (!m) return null;
  const [, sign, whole, decimals = '', denominator] = m;
  if (decimals && denominator) return null;
  let p = BigInt(whole! + decimals);
  let q = 10n ** BigInt(decimals.length) * BigInt(denominator ?? 1);
  if (q === 0n) return null;
  if (sign === '-') p = -p;
  const g = gcd(p, q) || 1n;
  [p, q] = [p / g, q / g];
  return q === 1n ? String(p) : `${p}/${q}`;
}

/** The canonical form answers are compared in. */
export function normalizeAnswer(raw: string): string {
  let s = raw.trim();
  s = s.replace(/^\$+|\$+$/g, '').replace(/\\text\{\s*([^{}]*?)\s*\}/g, '$1');
  s = s.replace(/\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}/g, '($1)/($2)').replace(/\\[dt]?frac(\d)(\d)/g, '$1/$2');
  s = s.replace(/\\left|\\right|\\!|\\,|\\;|\\ /g, '').replace(/\^\{?\\circ\}?|\\%|%/g, '');
  s = s.replace(/\s+/g, '').replace(/\.$/, '').replace(/^([+-]?)\(([\d.]+)\)\/\((\d+)\)$/, '$1$2/$3');
  // Thousands separators only: "1,000" but not the pair "1,2".
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  return exactNumber(s) ?? s.toLowerCase();
}

/** True when the solution's final answer equals the ground truth after normalisation. */
export function isCorrect(solution: string, groundTruth: string): boolean {
  const got = extractAnswer(solution).text;
  return got !== null && normalizeAnswer(got) === normalizeAnswer(groundTruth);
}
