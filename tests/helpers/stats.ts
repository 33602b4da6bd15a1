// Pearson's chi-square goodness-of-fit test, for checking a sampler against a known distribution.

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative). */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The regularized upper incomplete gamma Q(s, x) = Γ(s, x)/Γ(s): series below s + 1, continued fraction above. */
export function gammaQ(s: number, x: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(-x + s * Math.log(x) - logGamma(s));
  if (x < s + 1) {
    let term = 1 / s;
    let sum = term;
    for (let n = 1; n < 1000 && Math.abs(term) > Math.abs(sum) * 1e-16; n++) sum += term *= x / (s + n);
    return 1 - sum * front;
  }
  // Lentz's method on the continued fraction for Γ(s, x).
  const tiny = 1e-300;
  let b = x + 1 - s;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return front * h;
}

export interface ChiSquare {
  statistic: number;
  dof: number;
  /** P(χ²_dof ≥ statistic): the chance of a fit this poor if the counts were drawn from `probs`. */
  p: number;
}

/** Pearson's χ² of observed counts against probabilities (categories with probability 0 must have count 0). */
export function chiSquare(counts: ArrayLike<number>, probs: ArrayLike<number>): ChiSquare {
  if (counts.length !== probs.length) throw new Error(`${counts.length} counts vs ${probs.length} probabilities`);
  let n = 0;
  for (let k = 0; k < counts.length; k++) n += counts[k]!;
  let statistic = 0;
  let categories = 0;
  for (let k = 0; k < counts.length; k++) {
    const expected = n * probs[k]!;
    if (expected === 0) {
      if (counts[k]! > 0) return { statistic: Infinity, dof: counts.length - 1, p: 0 };
      continue;
    }
    statistic += (counts[k]! - expected) ** 2 / expected;
    categories++;
  }
  const dof = categories - 1;
  return { statistic, dof, p: gammaQ(dof / 2, statistic / 2) };
}

/** How many times each of 0..K-1 occurs in xs. */
export function countsOf(xs: ArrayLike<number>, K: number): number[] {
  const counts = new Array<number>(K).fill(0);
  for (let i = 0; i < xs.length; i++) counts[xs[i]!]!++;
  return counts;
}
