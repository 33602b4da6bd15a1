// Python functions with one planted bug each and their fixed version, for the special-token recipe:
// half come with the error their failing test raises, half with none (the model must spot it).
import { Rng } from '../../src/cpu/random.js';
import { BUG_TEMPLATES, type BugKind, type PyValue } from './bug-templates.js';
import { drawUnique, fill, pick } from './common.js';

export type { BugKind };

export interface BugRecord {
  /** The function's name. */
  name: string;
  kind: BugKind;
  /** 1-based line of `fixed` that the bug changed (or deleted). */
  line: number;
  buggy: string;
  fixed: string;
  /** An assert the fixed function passes and the buggy one fails. */
  test: string;
  /** `<the assert>\n<Exception: message>` as Python reports the failure; null: no error given. */
  error: string | null;
}

export interface BugOptions {
  /** Share of records that carry their error message. Default 0.5. */
  errorShare?: number;
}

/** `count` distinct records (no two share a buggy function and test), the same for the same seed. */
export function generateBugs(seed: number, count: number, options: BugOptions = {}): BugRecord[] {
  const rng = new Rng(seed);
  return drawUnique(count, () => drawBug(rng, options.errorShare ?? 0.5), (r) => `${r.buggy}\n${r.test}`);
}

function drawBug(rng: Rng, errorShare: number): BugRecord {
  const template = pick(rng, BUG_TEMPLATES);
  const bug = pick(rng, template.bugs);
  const slots = { f: pick(rng, template.names), xs: pick(rng, ['xs', 'nums', 'values', 'items']), x: pick(rng, ['x', 'v', 'item', 'n']), acc: pick(rng, ['total', 'acc', 'running']) };
  const fixedLines = template.lines.map((l) => fill(l, slots));
  const buggyLines = [...fixedLines];
  if (bug.replace === null) buggyLines.splice(bug.line, 1);
  else buggyLines[bug.line] = fill(bug.replace, slots);
  const args = (bug.args ?? template.args)(rng);
  const test = `assert ${slots.f}(${args.map(pyRepr).join(', ')}) == ${pyRepr(template.reference(...args))}`;
  const withError = rng.next() < errorShare;
  return {
    name: slots.f,
    kind: bug.kind,
    line: bug.line + 1,
    buggy: buggyLines.join('\n') + '\n',
    fixed: fixedLines.join('\n') + '\n',
    test,
    error: withError ? `${test}\n${bug.raises ?? 'AssertionError'}` : null,
  };
}

/** Python's repr of the values these functions take and return (JS and Python agree on float text). */
function pyRepr(value: PyValue): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return String(value);
}
