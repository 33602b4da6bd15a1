import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { LORA_TARGETS, parseAdapterConfigFile, resolveAdapterTargets } from '../../src/io/adapter-config.js';

const FILE = '/adapters/a/adapter_config.json';
const base = { peft_type: 'LORA', r: 4, lora_alpha: 8 };
const resolve = (fields: object, numLayers = 3) => resolveAdapterTargets(parseAdapterConfigFile({ ...base, ...fields }, FILE), numLayers, FILE);

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(FILE);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('adapter_config target_modules, as PEFT matches them', () => {
  it('"all-linear" selects every projection of every layer', () => {
    expect(resolve({ target_modules: 'all-linear' })).toEqual({ targets: [...LORA_TARGETS], layers: [0, 1, 2] });
  });

  it('a list entry selects modules whose name ends in it', () => {
    expect(resolve({ target_modules: ['self_attn.q_proj', 'down_proj'] })).toEqual({ targets: ['q_proj', 'down_proj'], layers: [0, 1, 2] });
  });

  it('a string is a regex over full module names', () => {
    expect(resolve({ target_modules: '.*\\.(q|v)_proj' })).toEqual({ targets: ['q_proj', 'v_proj'], layers: [0, 1, 2] });
  });

  it('a regex naming layers selects only those layers', () => {
    expect(resolve({ target_modules: 'model\\.layers\\.(0|2)\\.mlp\\.up_proj' })).toEqual({ targets: ['up_proj'], layers: [0, 2] });
  });

  it('a regex that picks different projections in different layers is refused, naming both', () => {
    const message = configError(() => resolve({ target_modules: 'model\\.layers\\.0\\.self_attn\\.q_proj|model\\.layers\\.1\\.mlp\\.up_proj' }));
    expect(message).toMatch(/\[q_proj\] in layer 0 but \[up_proj\] in layer 1/);
  });

  it('an entry naming no adaptable projection (lm_head) is refused, naming it', () => {
    expect(configError(() => resolve({ target_modules: ['q_proj', 'lm_head'] }))).toMatch(/"target_modules": "lm_head"/);
  });

  it('an invalid regex is refused, naming the field', () => {
    expect(configError(() => resolve({ target_modules: '(q_proj' }))).toMatch(/"target_modules".*not a valid regular expression/);
  });

  it('a regex that selects nothing is refused', () => {
    expect(configError(() => resolve({ target_modules: 'nothing' }))).toMatch(/selects no module/);
  });
});

describe('adapter_config layers_to_transform', () => {
  it('an integer selects that one layer', () => {
    expect(resolve({ target_modules: ['q_proj'], layers_to_transform: 1 })).toEqual({ targets: ['q_proj'], layers: [1] });
  });

  it('a list selects those layers, ascending', () => {
    expect(resolve({ target_modules: ['q_proj'], layers_to_transform: [2, 0] }).layers).toEqual([0, 2]);
  });

  it('a layer past the model is refused, naming the layer count', () => {
    expect(configError(() => resolve({ target_modules: ['q_proj'], layers_to_transform: [3] }))).toMatch(/layer 3, but the model has 3 layers/);
  });

  it('with a regex target_modules is refused, as PEFT refuses it', () => {
    expect(configError(() => resolve({ target_modules: '.*q_proj', layers_to_transform: [0] }))).toMatch(/"layers_to_transform" cannot be used with a regex/);
  });
});

describe('adapter_config fields wgml does not apply are refused, not ignored', () => {
  it.each([
    ['use_dora', true],
    ['rank_pattern', { q_proj: 8 }],
    ['alpha_pattern', { 'model.layers.0.self_attn.q_proj': 32 }],
    ['modules_to_save', ['lm_head']],
  ])('%s set', (field, value) => {
    expect(configError(() => parseAdapterConfigFile({ ...base, target_modules: ['q_proj'], [field]: value }, FILE))).toContain(`field "${field}"`);
  });

  it('their PEFT defaults (false, {}, null) are accepted', () => {
    expect(() => parseAdapterConfigFile({ ...base, target_modules: ['q_proj'], use_dora: false, rank_pattern: {}, alpha_pattern: {}, modules_to_save: null }, FILE)).not.toThrow();
  });

  it('a field of the wrong type is a ConfigError naming the file and field, not a ZodError dump', () => {
    expect(configError(() => parseAdapterConfigFile({ ...base, r: '8', target_modules: ['q_proj'] }, FILE))).toMatch(/field "r"/);
  });
});
