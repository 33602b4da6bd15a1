// The built `recipe` command run from a directory that is not the package's, as after `npm install
// wgml`: the shipped base, data, safety prompts, guidelines and safeguard classifier are found beside
// the package, and runs/ lands in the working directory.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recipeCli } from './recipe-cli.js';

describe('recipe gsm8k-qlora from another working directory', () => {
  it('runs every step on the shipped assets, the safety judge included, and writes runs/ there', async () => {
    const run = await recipeCli(['gsm8k-qlora', '--smoke', '--run', 's', '--set', 'data.test_limit=2', '--set', 'safety.limit=2', '--set', 'eval.max_new_tokens=8', '--set', 'train.max_steps=1']);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code, run.stdout.slice(-400)).toBe(2); // the smoke run's accuracy is below the threshold: FAIL, exit 2
    const dir = join(run.cwd, 'runs', 'gsm8k-qlora', 's');
    expect(existsSync(join(dir, 'safety_scores.jsonl'))).toBe(true);
    expect(run.stdout).toMatch(/\[safety\] base [\d.]+% safe, fine-tuned [\d.]+% safe \(classifier \S+models\/safeguard-tiny\)/);
    expect(JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'))).toHaveProperty('tuned.safety');
  });
});
