// Rendered recipes for the run-exports tests: one output (`output`) and a one-variant recipe (`recipe`).
import type { RenderedOutput, RenderedRecipe, Target } from '../model/types.ts';

export const T: Target = { subdir: 'linux-64', python: '3.13' };

export function output(name: string, over: Partial<RenderedOutput> = {}, reqs: Partial<RenderedOutput['requirements']> = {}): RenderedOutput {
  return {
    name,
    version: '1.0',
    build: 'h0_0',
    buildNumber: 0,
    noarch: null,
    requirements: { build: [], host: [], run: [], run_constrained: [], ...reqs },
    test: { requires: [], imports: [], commands: [] },
    runExports: { weak: [], strong: [] },
    script: null,
    ...over,
  };
}

export function recipe(feedstock: string, outputs: RenderedOutput[], target: Target = T, skip = false, variant: Record<string, string> = {}): RenderedRecipe {
  return {
    feedstock,
    target,
    recipe: { feedstock, dir: `/agg/${feedstock}`, file: `/agg/${feedstock}/meta.yaml`, format: 'meta.yaml', aggregate: '/agg', variantFiles: [] },
    variants: [{ variant, skip, outputs, source: [], script: null, buildNumber: 0, about: {} }],
    warnings: [],
  };
}
