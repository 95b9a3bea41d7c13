// CONTRACT (to be implemented): variant configs (conda_build_config.yaml) and their expansion.
import type { Target } from '../engine/types.ts';
import type { SelectorWarning } from './selectors.ts';

/** Stacked variant config: key → list of values (strings, as conda-build keeps them); zip_keys groups. */
export interface VariantConfig {
  values: Record<string, string[]>;
  zipKeys: string[][];
  /** pin_run_as_build and similar mapping keys kept as parsed. */
  extra: Record<string, unknown>;
}

/**
 * Read and stack conda_build_config.yaml files in order (a later file replaces a key of an earlier
 * one), applying selectors for the target first. Unquoted numbers keep their text (3.10 stays "3.10").
 */
export function loadVariantConfig(files: string[], target: Target, warnings?: (SelectorWarning & { file: string })[]): Promise<VariantConfig> {
  throw new Error('not implemented yet');
}

/**
 * The variant keys a recipe text uses (Jinja names, selector names, requirement names that are keys
 * of the config), as conda-build decides which keys to multiply.
 */
export function usedVariantKeys(recipeText: string, config: VariantConfig): Set<string> {
  throw new Error('not implemented yet');
}

/**
 * Expand the config into concrete variants for the target: python set to target.python, the used
 * list keys multiplied, zip_keys zipped. Always at least one variant.
 */
export function expandVariants(config: VariantConfig, used: Set<string>, target: Target, extra?: Record<string, string>): Record<string, string>[] {
  throw new Error('not implemented yet');
}
