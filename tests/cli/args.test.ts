import { describe, expect, it } from 'vitest';
import { checkSets, parseCommandLine, parseFlags, runName, SAMPLING_OPTIONS, SamplingFlags } from '../../src/cli/args.js';
import { ConfigError } from '../../src/errors.js';

const sampling = (args: string[]) => parseFlags(SamplingFlags, parseCommandLine({ args, options: SAMPLING_OPTIONS }).values);

describe('command-line flags', () => {
  it('--temperature= (empty) is an error naming the flag, not temperature 0', () => {
    expect(() => sampling(['--temperature='])).toThrow(ConfigError);
    expect(() => sampling(['--temperature='])).toThrow(/--temperature: needs a number, got an empty value/);
  });

  it('a value Number() cannot read is an error naming the flag', () => {
    expect(() => sampling(['--top-p', 'high'])).toThrow(/--top-p/);
  });

  it('--max-tokens -1 says to write --max-tokens=-1, not Node\'s "ambiguous"', () => {
    expect(() => sampling(['--max-tokens', '-1'])).toThrow(/--max-tokens: a value starting with '-' must be attached with '='/);
  });

  it('--max-tokens=-1 is then refused as not positive, naming the flag', () => {
    expect(() => sampling(['--max-tokens=-1'])).toThrow(/--max-tokens/);
  });

  it('an unknown option is a ConfigError', () => {
    expect(() => parseCommandLine({ args: ['--temprature', '1'], options: SAMPLING_OPTIONS })).toThrow(ConfigError);
  });

  it('flags left out take their defaults', () => {
    expect(sampling([])).toMatchObject({ 'max-tokens': 128, temperature: 0, 'top-p': 1 });
  });
});

describe('recipe run names and --set', () => {
  it.each(['..', '../x', 'a/b', '/tmp/x', '.hidden', ''])('--run %j is refused: it would leave runs/<recipe>/', (name) => {
    expect(() => runName(name)).toThrow(/--run/);
  });

  it('a plain run name is kept', () => {
    expect(runName('lr-1e-4_v2')).toBe('lr-1e-4_v2');
  });

  it('a --set value that is not YAML names the option and the field', () => {
    expect(() => checkSets(['train.learning_rate=1e-4', 'lora.target_modules=[q_proj, '])).toThrow(/--set lora\.target_modules: the value "\[q_proj, " is not valid YAML/);
  });

  it('a --set without KEY= is refused with an example', () => {
    expect(() => checkSets(['train.learning_rate'])).toThrow(/expected KEY=VALUE/);
  });
});
