// `recipe` refuses stray positional arguments: `--set a=1 b=2` would otherwise apply only a=1 and
// drop b=2 without a word.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recipeCli } from './recipe-cli.js';

describe('recipe command line', () => {
  it.each([[[]], [['train']]])('refuses a second KEY=VALUE after one --set (step %j), saying to repeat --set, and writes no run', async (step) => {
    const run = await recipeCli(['gsm8k-qlora', ...step, '--smoke', '--set', 'train.learning_rate=1e-4', 'train.batch_size=16']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unexpected argument "train.batch_size=16"');
    expect(run.stderr).toContain('repeat --set');
    expect(existsSync(join(run.cwd, 'runs'))).toBe(false);
  });

  it('refuses a third positional argument after NAME and STEP', async () => {
    const run = await recipeCli(['critique', 'merge', 'extra']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unexpected argument "extra": recipe takes NAME and at most one STEP');
  });
});
