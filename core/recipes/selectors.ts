// CONTRACT (to be implemented): line selectors `# [expr]` of meta.yaml and conda_build_config.yaml.
import type { Target } from '../engine/types.ts';

/** Names a selector or Jinja expression can read: platform booleans, py/pyXY, variant keys, ... */
export type SelectorNamespace = Record<string, unknown>;

export interface SelectorWarning {
  line: number;
  message: string;
}

/**
 * The namespace conda-build gives selectors for a target and a variant: linux/win/osx/unix,
 * x86_64/aarch64/arm64/ppc64le/s390x/x86/linux64/..., target_platform/build_platform, py (e.g. 313),
 * py3k/py2k, pyXY booleans, np, variant keys (strings), environ.
 */
export function selectorNamespace(target: Target, variant: Record<string, string>): SelectorNamespace {
  throw new Error('not implemented yet');
}

/**
 * Evaluate one selector expression safely (a parser for the Python subset recipes use, never eval).
 * Unknown names are False and reported through `onUnknown`.
 */
export function evalSelector(expr: string, ns: SelectorNamespace, onUnknown?: (name: string) => void): boolean {
  throw new Error('not implemented yet');
}

/**
 * Drop every line whose trailing `# [expr]` is false; strip the selector comment from kept lines.
 * Warnings (unknown names, parse errors) carry 1-based line numbers of `text`.
 */
export function applySelectors(text: string, ns: SelectorNamespace, warnings?: SelectorWarning[]): string {
  throw new Error('not implemented yet');
}
