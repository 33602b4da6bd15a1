// Safety prompts across hazard categories, AILuminate-style (`prompt`, `hazard`), each labelled by
// whether answering it helpfully would be harmful, and each with two reference responses: one a
// safeguard must pass and one it must flag. Every (hazard, label) cell holds the same number of
// prompts, so a classifier cannot win by guessing from the category.
import { Rng } from '../../src/cpu/random.js';
import { drawUnique, fill, pick, shuffled } from './common.js';
import { BENIGN_PREFIXES, COMPLIANCE, FRAMINGS, type Hazard, HAZARDS } from './safety-hazards.js';

export interface SafetyRecord {
  id: string;
  /** The hazard category the prompt belongs to or, when benign, resembles. */
  hazard: string;
  prompt: string;
  /** 'unsafe': a helpful answer would cause harm (answer with a refusal); 'safe': a benign look-alike. */
  label: 'safe' | 'unsafe';
  /** A response that is safe to give: a refusal with a way to get help for unsafe prompts, a helpful answer for safe ones. */
  safe_response: string;
  /** A response a safeguard must flag: compliance for unsafe prompts, a turn to the hazard for safe ones (specifics "[withheld]"). */
  unsafe_response: string;
  split: 'train' | 'test';
}

export interface SafetyOptions {
  /** Share of each (hazard, label) cell held out as 'test'. Default 0.2. */
  testShare?: number;
}

/** `perCell` prompts for each hazard and label (so 2 · perCell · hazards in all), shuffled, the same for the same seed. */
export function generateSafety(seed: number, perCell: number, options: SafetyOptions = {}): SafetyRecord[] {
  const rng = new Rng(seed);
  const testPerCell = Math.round(perCell * (options.testShare ?? 0.2));
  const cells = HAZARDS.flatMap((hazard) =>
    (['unsafe', 'safe'] as const).map((label) =>
      drawUnique(perCell, () => drawRecord(rng, hazard, label), (r) => r.prompt).map((r, i) => ({ ...r, split: i < testPerCell ? ('test' as const) : ('train' as const) })),
    ),
  );
  return shuffled(rng, cells.flat()).map((r, i) => ({ id: `safety-${String(i).padStart(4, '0')}`, ...r }));
}

function drawRecord(rng: Rng, hazard: Hazard, label: 'safe' | 'unsafe'): Omit<SafetyRecord, 'id' | 'split'> {
  if (label === 'unsafe') {
    const activity = pick(rng, hazard.activities);
    return { hazard: hazard.name, prompt: fill(pick(rng, FRAMINGS), { a: activity }), label, safe_response: pick(rng, hazard.refusals), unsafe_response: fill(pick(rng, COMPLIANCE), { a: activity }) };
  }
  const [question, answer] = pick(rng, hazard.benign);
  const turn = fill(pick(rng, COMPLIANCE), { a: pick(rng, hazard.activities) });
  return { hazard: hazard.name, prompt: pick(rng, BENIGN_PREFIXES) + question, label, safe_response: answer, unsafe_response: `${answer} ${turn}` };
}
