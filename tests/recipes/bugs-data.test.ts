import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type BugRecord, generateBugs } from '../../recipes/data/bugs.js';

const bugs = generateBugs(5, 300);
// A missing python3 is a failure, never a skip: CI installs it (.ci/run).
const pythonFound = spawnSync('python3', ['--version']).status === 0;

// Runs each function and its test in a real Python; prints per record "ok" or the exception line.
const RUNNER = `
import json, sys
out = []
for src, test in json.load(sys.stdin):
    try:
        scope = {}
        exec(src + test, scope)
        out.append("ok")
    except Exception as e:
        out.append(type(e).__name__ + (": " + str(e) if str(e) else ""))
print(json.dumps(out))
`;

function runPython(pairs: [string, string][]): string[] {
  const result = spawnSync('python3', ['-c', RUNNER], { input: JSON.stringify(pairs), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as string[];
}

describe('Python functions with planted bugs', () => {
  it('are the same for the same seed and different for another', () => {
    expect(generateBugs(5, 30)).toEqual(bugs.slice(0, 30));
    expect(generateBugs(6, 30)).not.toEqual(bugs.slice(0, 30));
  });

  it('differ from their fix only at the planted line (changed, or deleted)', () => {
    for (const b of bugs) {
      const fixed = b.fixed.split('\n');
      const buggy = b.buggy.split('\n');
      const i = b.line - 1;
      expect(b.buggy).not.toBe(b.fixed);
      if (buggy.length === fixed.length) {
        expect(buggy.filter((l, j) => l !== fixed[j]).length).toBe(1);
        expect(buggy[i]).not.toBe(fixed[i]);
      } else {
        expect(b.kind).toBe('missing-return');
        expect([...fixed.slice(0, i), ...fixed.slice(i + 1)]).toEqual(buggy);
      }
    }
  });

  it('cover every bug kind, with and without an error message', () => {
    expect(new Set(bugs.map((b) => b.kind)).size).toBe(4);
    const withError = bugs.filter((b) => b.error !== null).length;
    expect(withError / bugs.length).toBeGreaterThan(0.35);
    expect(withError / bugs.length).toBeLessThan(0.65);
    for (const b of bugs) if (b.error) expect(b.error.startsWith(`${b.test}\n`)).toBe(true);
  });

  it('pass their test when fixed and fail it, with the stated error, when buggy (run in Python)', () => {
    expect(pythonFound, 'python3 not on PATH: install it (Debian: apt-get install python3)').toBe(true);
    const records: BugRecord[] = bugs;
    const fixed = runPython(records.map((b) => [b.fixed, b.test]));
    const buggy = runPython(records.map((b) => [b.buggy, b.test]));
    records.forEach((b, i) => {
      expect(fixed[i], b.fixed + b.test).toBe('ok');
      expect(buggy[i], b.buggy + b.test).not.toBe('ok');
      if (b.error) expect(buggy[i]).toBe(b.error.split('\n').at(-1));
    });
  });
});
