// What the planner reads of each rendering to make its node, kept in the render cache dir
// (`nodes-<hash of the target>.json`), so that planning again after a few recipes changed makes the
// other nodes without reading their variants: the render cache parses a rendering's variants when
// they are first read (core/recipes/render-cache.ts), and a node that is never rebuilt (about four
// in five of an ecosystem do not depend on python) then never parses them.
//
// Per recipe the summary is: its outputs, each output's versions (output-index.ts), its python
// dependency (python-dependency.ts: null makes it `no-python`), whether every python-dependent
// output is `noarch: python` (the select hook's noarch veto), whether every variant is skipped,
// and the rendering's warnings. That is a function of the rendering after run exports (a host
// dependency whose run_exports name python_abi makes a recipe python-dependent): of the additions
// applied to a rendering through the run-exports memo (run-exports-memo.ts `appliedAdditions`:
// replayed, or walked — what the memo stores and the next plan replays), only those naming python
// or python_abi can change its python dependency (python-dependency.ts reads the first such spec of
// host, build, run), so a summary is replayed only for a rendering with the same recipe file, the
// same render cache key and the same python additions (spec and array, usually none); anything else
// is made from the rendering and stored. A walked rendering's summary is stored too, so the plan
// after a cold one (every recipe walked) already replays them. The node's `variants` are read from the rendering when
// first read (a getter that then becomes a plain value). The file (JSON, one array per recipe) holds
// the version of the code that made it (another: no memo), is written under a temporary name and
// renamed into place, and only when more than 1% of the summaries were made (not replayed): a few
// changed recipes' nodes are made from their renderings again by the next plan.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PackageNode, RenderWarning, RenderedRecipe } from '../model/types.ts';
import { writeFileAtomicSync } from '../conda/atomic-write.ts';
import { sourcesVersion } from '../recipes/render-cache.ts';
import { appliedAdditionsText } from '../recipes/run-exports-memo.ts';
import { isPythonSpec } from './python-dependency.ts';
import { nodeAllNoarch, nodeFromRendered, nodeFromSummary } from './render-nodes.ts';
import { outputVersions, type OutputVersions } from './output-index.ts';

export interface NodeSummary {
  outputs: string[];
  versions: OutputVersions;
  pythonDependency: string | null;
  allNoarch: boolean;
  skipped: boolean;
  warnings: RenderWarning[];
}

/**
 * One recipe as stored: render cache key, recipe file, python additions, outputs, per output name
 * (lower case) its versions — names omitted (0) when they are the outputs lower-cased —, python
 * dependency, all noarch (1/0), all skipped (1/0), warnings (0: none).
 */
type Entry = [key: string, file: string, pythonAdds: string, outputs: string[], versions: string[][], names: string[] | 0, dependency: string | null, allNoarch: 0 | 1, skipped: 0 | 1, warnings: RenderWarning[] | 0];

interface Memo {
  format: 3;
  code: string;
  entries: Entry[];
}

/** What the memo did in this process (tests, bench). */
export const nodeMemoStats = { replayed: 0, made: 0, written: 0 };

const codeVersion = () => sourcesVersion(['core/graph', 'core/conda', 'core/model', 'core/recipes'], ['@conda-org/rattler', 'graphology']);

/** Every spec naming python or python_abi holds this (a cheap test before isPythonSpec's parse). */
const PYTHONISH = /python/i;

const namesPython = (spec: string) => PYTHONISH.test(spec) && isPythonSpec(spec);

/** The additions naming python or python_abi the run-exports memo applied to `r`, as text (undefined: not applied through it). */
function pythonAdditions(r: RenderedRecipe): string | undefined {
  return appliedAdditionsText(r, namesPython);
}

function readMemo(file: string): Map<string, Entry> | undefined {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Memo;
    if (m?.format !== 3 || m.code !== codeVersion() || !Array.isArray(m.entries)) return undefined;
    const byKey = new Map<string, Entry>();
    for (const e of m.entries) byKey.set(e[0], e);
    return byKey;
  } catch {
    return undefined;
  }
}

const strings = (a: unknown): a is string[] => Array.isArray(a) && a.every((x) => typeof x === 'string');

/** The summary an entry holds, if it has the shape of one (a damaged memo entry is none). */
function summaryOf(e: Entry): NodeSummary | undefined {
  if (!Array.isArray(e) || e.length !== 10) return undefined;
  const [, , , outputs, versions, names, dependency, allNoarch, skipped, warnings] = e;
  if (!strings(outputs) || !Array.isArray(versions) || !versions.every(strings)) return undefined;
  const keys = names === 0 ? [...new Set(outputs.map((o) => o.toLowerCase()))] : names;
  if (!strings(keys) || keys.length !== versions.length) return undefined;
  if ((dependency !== null && typeof dependency !== 'string') || (allNoarch !== 0 && allNoarch !== 1) || (skipped !== 0 && skipped !== 1) || (warnings !== 0 && !Array.isArray(warnings))) return undefined;
  return { outputs, versions: keys.map((k, i) => [k, versions[i]]), pythonDependency: dependency, allNoarch: allNoarch === 1, skipped: skipped === 1, warnings: warnings || [] };
}

function entryOf(key: string, file: string, pythonAdds: string, s: NodeSummary): Entry {
  const names = s.versions.map(([n]) => n);
  const implied = [...new Set(s.outputs.map((o) => o.toLowerCase()))];
  const same = names.length === implied.length && names.every((n, i) => n === implied[i]);
  return [key, file, pythonAdds, s.outputs, s.versions.map(([, v]) => v), same ? 0 : names, s.pythonDependency, s.allNoarch ? 1 : 0, s.skipped ? 1 : 0, s.warnings.length ? s.warnings : 0];
}

/** The summary of a node made from its rendering (see the header). */
export function summarize(node: PackageNode, warnings: RenderWarning[]): NodeSummary {
  return { outputs: [...node.outputs], versions: outputVersions(node), pythonDependency: node.pythonDependency, allNoarch: nodeAllNoarch(node), skipped: !node.variants.length, warnings: [...warnings] };
}

/**
 * Nodes (and their warnings) for renderings of one target, through the memo in `dir` (null: every
 * node made from its rendering). `keys[i]` is the render cache key of `rendered[i]` (null: unknown,
 * made every time); `ids[i]` its node id. Returns the nodes and, per node replayed, its outputs'
 * versions for the output index.
 */
export class NodeMemo {
  private readonly file: string | null;
  private readonly old: Map<string, Entry> | undefined;
  private readonly entries: Entry[] = [];
  private fresh = 0;
  /** Per node made from a summary: its outputs' versions (the output index reads them instead of the variants). */
  readonly versions = new WeakMap<PackageNode, OutputVersions>();

  constructor(dir: string | null, target: string) {
    this.file = dir ? join(dir, `nodes-${createHash('sha256').update(target).digest('hex').slice(0, 16)}.json`) : null;
    this.old = this.file ? readMemo(this.file) : undefined;
  }

  /** The node of a rendering; its warnings are pushed to `warnings`. */
  node(id: string, rendered: RenderedRecipe, key: string | null, warnings: RenderWarning[]): PackageNode {
    const file = rendered.recipe.file;
    const adds = this.file && key ? pythonAdditions(rendered) : undefined;
    if (adds !== undefined) {
      const entry = this.old?.get(key!);
      const summary = entry && entry[1] === file && entry[2] === adds ? summaryOf(entry) : undefined;
      if (summary) {
        this.entries.push(entry!);
        nodeMemoStats.replayed++;
        warnings.push(...summary.warnings);
        const node = nodeFromSummary(id, rendered, summary);
        this.versions.set(node, summary.versions);
        return node;
      }
    }
    warnings.push(...rendered.warnings);
    const node = nodeFromRendered(id, rendered);
    nodeMemoStats.made++;
    if (adds !== undefined) {
      this.entries.push(entryOf(key!, file, adds, summarize(node, rendered.warnings)));
      this.fresh++;
    }
    return node;
  }

  /**
   * Store the summaries of this plan when more than 1% of them were made that the memo did not
   * hold (a cold plan, many recipes changed). A few made ones are made again next time (their
   * renderings parsed again) rather than the whole memo written again: after one recipe changed,
   * writing 25,000 summaries cost more than remaking one node.
   */
  save(): void {
    if (!this.file || !this.fresh || this.fresh * 100 <= this.entries.length) return;
    const memo: Memo = { format: 3, code: codeVersion(), entries: this.entries };
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      writeFileAtomicSync(this.file, JSON.stringify(memo));
      nodeMemoStats.written++;
    } catch {
      // not written: the next plan makes these nodes from their renderings
    }
  }
}
