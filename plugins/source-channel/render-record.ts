// A channel record as a RenderedRecipe: one variant, one output named after the package, so the
// planner (python dependency, output index, edges, stages) treats it like a rendered recipe.
//
// Requirements: host = run = the record's `depends`, with the python pin moved to the target
// (`python >=3.6,<3.7.0a0` → `python 3.7.*`). A record only lists run dependencies; putting them in
// host too is deliberate: most of them come from the build's host environment (run_exports of
// libraries, pinned python modules), and a rebuild must have rebuilt them first, so an edge from a
// depend blocks the build. The cost: a pure run dependency (a plugin of a tool) orders a build after
// it when a real recipe would not — the plan is a little longer, never wrongly ordered.
import type { Noarch, RecipeRef, RenderedOutput, RenderedRecipe, Target } from '../../core/model/types.ts';
import { parseMatchSpec } from '../../core/conda/match-spec.ts';
import type { ChannelRecord } from './channel-records.ts';

/** `python …` / `python_abi …` pins of an arch record moved to `python` (major.minor); others unchanged. */
export function retargetSpec(spec: string, python: string, noarch: Noarch): string {
  let name: string;
  try {
    name = parseMatchSpec(spec).name;
  } catch {
    return spec;
  }
  // A noarch: python record is one build for every python: its python spec stays as written.
  if (noarch === 'python') return spec;
  if (name === 'python') return `python ${python}.*`;
  if (name === 'python_abi') return `python_abi ${python}.*`;
  return spec;
}

function noarchOf(record: ChannelRecord['record']): Noarch {
  return record.noarch === 'python' || record.noarch === 'generic' ? record.noarch : null;
}

export interface RenderRecordOptions {
  /** The version the output is planned at (python itself: the target python); default: the record's. */
  version?: string;
  /** The variant is skipped: the package has no build for the old python in this target's subdir. */
  skip?: boolean;
}

/** The RenderedRecipe standing for `entry` in `target`. */
export function renderRecord(recipe: RecipeRef, target: Target, entry: ChannelRecord | null, options: RenderRecordOptions = {}): RenderedRecipe {
  const outputs: RenderedOutput[] = [];
  if (entry) {
    const { record } = entry;
    const noarch = noarchOf(record);
    const depends = [...new Set((record.depends ?? []).map((d) => retargetSpec(d, target.python, noarch)))];
    const pyTag = noarch === 'python' ? 'py' : `py${target.python.replace('.', '')}`;
    outputs.push({
      name: record.name,
      version: options.version ?? record.version,
      build: `${pyTag}_${record.build_number ?? 0}`,
      buildNumber: record.build_number ?? 0,
      noarch,
      requirements: { build: [], host: [...depends], run: [...depends], run_constrained: [...(record.constrains ?? [])] },
      test: { requires: [], imports: [], commands: [] },
      runExports: { weak: [], strong: [] },
      script: null,
      ...(typeof record.license === 'string' ? { license: record.license } : {}),
    });
  }
  return {
    feedstock: recipe.feedstock,
    recipe,
    target,
    variants: [
      {
        variant: { python: target.python },
        skip: options.skip ?? !entry,
        outputs,
        source: [],
        script: null,
        buildNumber: entry?.record.build_number ?? 0,
        about: entry ? { channel_record: `${entry.record.subdir || target.subdir}/${entry.filename}` } : {},
      },
    ],
    warnings: [],
  };
}
