// The one seed behind every random test input: settable by WGML_TEST_SEED, printed on failure, replaying.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { deriveSeed, parseSeed } from '../helpers/seed.js';

const run = promisify(execFile);

async function fixture(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const vitest = new URL('../../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
  const config = new URL('./fixtures/vitest.config.ts', import.meta.url).pathname;
  try {
    const { stdout, stderr } = await run(process.execPath, [vitest, 'run', '--config', config], { env: { ...process.env, ...env } });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, output: err.stdout + err.stderr };
  }
}

const drawn = (output: string) => /DRAWN ([\d. e-]+)/.exec(output)?.[1];

describe('test seed', () => {
  it('derives a different stream per test name, per draw and per run seed, the same one for the same three', () => {
    const a = deriveSeed(7, 'x > y', 0);
    expect(deriveSeed(7, 'x > y', 0)).toBe(a);
    expect(new Set([a, deriveSeed(7, 'x > y', 1), deriveSeed(7, 'x > z', 0), deriveSeed(8, 'x > y', 0)]).size).toBe(4);
  });

  it('reads WGML_TEST_SEED as an unsigned 32-bit integer and rejects anything else', () => {
    expect(parseSeed('4294967295')).toBe(4294967295);
    expect(parseSeed(undefined)).toBeUndefined();
    expect(parseSeed('')).toBeUndefined();
    for (const bad of ['-1', '1.5', 'abc', '4294967296']) expect(() => parseSeed(bad), bad).toThrow(/WGML_TEST_SEED/);
  });

  it('replays the same inputs under the same WGML_TEST_SEED and prints the seed when a test fails', async () => {
    const first = await fixture({ WGML_TEST_SEED: '12345', SEED_FIXTURE_FAIL: '1' });
    expect(first.code).not.toBe(0);
    expect(first.output).toContain("replay: WGML_TEST_SEED=12345 npx vitest run tests/harness/fixtures/seed.fixture.ts -t 'draws random inputs'");
    const second = await fixture({ WGML_TEST_SEED: '12345' });
    expect(second.code, second.output).toBe(0);
    expect(second.output).not.toContain('replay:');
    expect(drawn(second.output)).toBeDefined();
    expect(drawn(second.output)).toBe(drawn(first.output));
    const other = await fixture({ WGML_TEST_SEED: '54321' });
    expect(drawn(other.output)).not.toBe(drawn(first.output));
  });
});
