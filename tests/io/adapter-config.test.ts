import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { LORA_TARGETS, parseAdapterConfigFile, resolveAdapterModules, selectionFields, type AdapterModule } from '../../src/io/adapter-config.js';

const FILE = '/adapters/a/adapter_config.json';
const base = { peft_type: 'LORA', r: 4, lora_alpha: 8 };
const modules = (fields: object, numLayers = 3) => resolveAdapterModules(parseAdapterConfigFile({ ...base, ...fields }, FILE), numLayers, FILE);
/** The projections and layers a selection uses (every test below but the per-layer ones selects a rectangle). */
const resolve = (fields: object, numLayers = 3) => {
  const m = modules(fields, numLayers);
  return { targets: [...new Set(m.map((x) => x.target))], layers: [...new Set(m.map((x) => x.layer))] };
};
const where = (m: AdapterModule[]) => m.map((x) => `${x.layer}.${x.target} r${x.r} a${x.alpha}`);

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

  it('a regex may pick different projections in different layers, each layer getting its own', () => {
    expect(where(modules({ target_modules: 'model\\.layers\\.0\\.self_attn\\.q_proj|model\\.layers\\.1\\.mlp\\.up_proj' }))).toEqual(['0.q_proj r4 a8', '1.up_proj r4 a8']);
  });

  it('full module names in a list select per-layer targets', () => {
    expect(where(modules({ target_modules: ['model.layers.2.self_attn.v_proj', 'model.layers.0.mlp.down_proj', 'model.layers.0.self_attn.q_proj'] }))).toEqual(['0.q_proj r4 a8', '0.down_proj r4 a8', '2.v_proj r4 a8']);
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

describe('adapter_config rank_pattern and alpha_pattern, as PEFT applies them (get_pattern_key)', () => {
  it('a key matches the end of a module name after a dot, and overrides r or lora_alpha there only', () => {
    expect(where(modules({ target_modules: ['q_proj', 'v_proj'], rank_pattern: { v_proj: 2 }, alpha_pattern: { 'layers.1.self_attn.q_proj': 32 } }, 2))).toEqual([
      '0.q_proj r4 a8', '0.v_proj r2 a8', '1.q_proj r4 a32', '1.v_proj r2 a8',
    ]);
  });

  it('a key is a regex, and the first matching key in the file’s order wins', () => {
    const m = modules({ target_modules: 'all-linear', rank_pattern: { 'layers\\.[01]\\..*_proj': 6, 'mlp\\..*': 2, down_proj: 16 } }, 3);
    expect(m.filter((x) => x.layer < 2).every((x) => x.r === 6)).toBe(true);
    expect(m.filter((x) => x.layer === 2).map((x) => `${x.target} r${x.r}`)).toEqual(['q_proj r4', 'k_proj r4', 'v_proj r4', 'o_proj r4', 'gate_proj r2', 'up_proj r2', 'down_proj r2']);
  });

  it('a key must match a whole dot-separated tail: "proj" matches no "q_proj", a full name matches its module', () => {
    expect(where(modules({ target_modules: ['q_proj'], rank_pattern: { proj: 2, 'model.layers.1.self_attn.q_proj': 8 } }, 2))).toEqual(['0.q_proj r4 a8', '1.q_proj r8 a8']);
  });

  it('an invalid key is a ConfigError naming the field', () => {
    expect(configError(() => modules({ target_modules: ['q_proj'], rank_pattern: { '(q_proj': 2 } }))).toMatch(/"rank_pattern".*"\(q_proj".*not a valid regular expression/);
  });

  it('a rank that is not a positive integer is a ConfigError naming the field', () => {
    expect(configError(() => parseAdapterConfigFile({ ...base, target_modules: ['q_proj'], rank_pattern: { q_proj: 2.5 } }, FILE))).toMatch(/field "rank_pattern\.q_proj"/);
  });

  it('null patterns are PEFT’s empty default', () => {
    expect(where(modules({ target_modules: ['q_proj'], rank_pattern: null, alpha_pattern: null }, 1))).toEqual(['0.q_proj r4 a8']);
  });
});

describe('adapter_config exclude_modules, as PEFT matches them', () => {
  it('a list entry takes out the modules whose name ends in it', () => {
    expect(resolve({ target_modules: 'all-linear', exclude_modules: ['down_proj', 'o_proj'] })).toEqual({ targets: ['q_proj', 'k_proj', 'v_proj', 'gate_proj', 'up_proj'], layers: [0, 1, 2] });
  });

  it('a full module name takes out that layer\'s module only', () => {
    expect(where(modules({ target_modules: ['q_proj'], exclude_modules: ['model.layers.1.self_attn.q_proj'] }))).toEqual(['0.q_proj r4 a8', '2.q_proj r4 a8']);
  });

  it('a string is a regex over full module names', () => {
    expect(resolve({ target_modules: ['q_proj', 'v_proj'], exclude_modules: 'model\\.layers\\.[01]\\..*' })).toEqual({ targets: ['q_proj', 'v_proj'], layers: [2] });
  });

  it('null and [] take nothing out', () => {
    expect(resolve({ target_modules: ['q_proj'], exclude_modules: null })).toEqual(resolve({ target_modules: ['q_proj'], exclude_modules: [] }));
  });

  it('excluding every selected module is refused, naming exclude_modules', () => {
    expect(configError(() => modules({ target_modules: ['q_proj'], exclude_modules: ['q_proj'] }))).toMatch(/selects no module of the model that exclude_modules leaves/);
  });

  it('an invalid regex is refused, naming the field', () => {
    expect(configError(() => modules({ target_modules: ['q_proj'], exclude_modules: '(' }))).toContain('field "exclude_modules"');
  });
});

describe('selectionFields (what wgml writes back)', () => {
  it('re-select the same modules with the same ranks and alphas', () => {
    const cases: object[] = [
      { target_modules: ['q_proj', 'v_proj'] },
      { target_modules: ['q_proj'], layers_to_transform: [1] },
      { target_modules: ['model.layers.0.self_attn.q_proj', 'model.layers.2.mlp.up_proj'] },
      { target_modules: 'all-linear', rank_pattern: { 'mlp\\..*': 2 }, alpha_pattern: { o_proj: 3 } },
    ];
    for (const fields of cases) {
      const original = modules(fields);
      expect(where(modules(selectionFields(original, 3))), JSON.stringify(fields)).toEqual(where(original));
    }
  });
});

describe('adapter_config fields wgml does not apply are refused, not ignored', () => {
  it.each([
    ['use_dora', true],
    ['modules_to_save', ['lm_head']],
    ['layer_replication', [[0, 2]]],
    ['lora_bias', true],
    ['target_parameters', ['feed_forward.experts.down_proj']],
    ['alora_invocation_tokens', [151644, 77091]],
    ['use_qalora', true],
  ])('%s set', (field, value) => {
    expect(configError(() => parseAdapterConfigFile({ ...base, target_modules: ['q_proj'], [field]: value }, FILE))).toContain(`field "${field}"`);
  });

  it('their PEFT defaults (false, {}, null) are accepted', () => {
    expect(() => parseAdapterConfigFile({ ...base, target_modules: ['q_proj'], use_dora: false, rank_pattern: {}, alpha_pattern: {}, modules_to_save: null, lora_bias: false, target_parameters: null, alora_invocation_tokens: null, use_qalora: false, exclude_modules: null }, FILE)).not.toThrow();
  });

  it('a field of the wrong type is a ConfigError naming the file and field, not a ZodError dump', () => {
    expect(configError(() => parseAdapterConfigFile({ ...base, r: '8', target_modules: ['q_proj'] }, FILE))).toMatch(/field "r"/);
  });
});
