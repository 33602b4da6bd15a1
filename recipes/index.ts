// The recipes the `recipe` command runs, by name. src/cli/recipe.ts reads this registry and
// nothing else of recipes/.
import type { BaseConfig, Recipe } from './kit/recipe.js';
import { critique } from './critique/recipe.js';
import { gsm8kQlora } from './gsm8k-qlora/recipe.js';
import { jsonFormat } from './json-format/recipe.js';
import { specialTokens } from './special-tokens/recipe.js';

export const RECIPES: readonly Recipe<BaseConfig>[] = [gsm8kQlora, jsonFormat, critique, specialTokens];

export function findRecipe(name: string): Recipe<BaseConfig> | undefined {
  return RECIPES.find((r) => r.name === name);
}

export { loadConfig } from './kit/config.js';
export { presetFile } from './kit/paths.js';
export { needsEarlierRun, pipeline, runRecipe, type BackendOptions, type Recipe, type RecipeFlag } from './kit/recipe.js';
