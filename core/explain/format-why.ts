// `rebuild why` text: per target and node, a few indented lines — in the set because, where it
// stands, what it waits on (one chain per unbuilt dependency) or why it is out, bootstrap, dependents.
import { targetKey } from '../model/types.ts';
import type { NodeExplanation } from './explain-node.ts';
import type { WhyTarget } from './why-report.ts';
import { formatChain } from './chains.ts';
import { stagedText } from '../state/stage-status.ts';
import { TOP } from './format-ready.ts';

function stateText(n: NodeExplanation): string {
  if (!n.state) return 'never run';
  return stagedText(n.state);
}

/** "  class: compiler-error: src/x.c:3:1: error: ..." for a classified failure. */
function classLine(n: NodeExplanation): string[] {
  const c = n.state?.class;
  return c && c !== 'unclassified' ? [`  class: ${c}${n.state!.classLine ? `: ${n.state!.classLine}` : ''}`] : [];
}

function standing(n: NodeExplanation): string[] {
  const lines: string[] = [];
  const deps = n.waitsOn.length;
  const plural = deps === 1 ? 'y' : 'ies';
  switch (n.progress) {
    case 'built':
      if (n.state?.stage && n.state.stage !== 'build') {
        // Built, and somewhere in its later stages: "built, test failed: ImportError: ...".
        lines.push(`  ${stateText(n)}`, ...classLine(n));
        if (n.state.status === 'failed' || n.state.status === 'blocked') {
          lines.push(`  its publication is held; dependents build against it (unless tests.blocksDependents: true)`);
        }
      } else lines.push(`  built (state: ${stateText(n)})`);
      if (n.state?.stages?.length) lines.push(`  stages: ${n.state.stages.map((s) => `${s.stage} ${s.status}`).join(', ')}`);
      {
        // Who made the build ("built by rebuild:converter: converted from linux-64"): the state's
        // reason is the latest stage's (published, tested) once the package went further.
        const build = n.state?.stages?.find((s) => s.stage === 'build' && s.status === 'done');
        if (build?.reason && !stateText(n).includes(build.reason)) lines.push(`  ${build.reason}`);
      }
      break;
    case 'ready':
      lines.push(`  ready: every build dependency is built (state: ${stateText(n)})`);
      break;
    case 'waiting':
      lines.push(`  waiting on ${deps} unbuilt build dependenc${plural}:`);
      break;
    case 'blocked':
      lines.push(`  blocked: a build dependency failed (state: ${stateText(n)}); waiting on ${deps} unbuilt build dependenc${plural}:`);
      break;
    case 'failed':
      lines.push(`  failed (state: ${stateText(n)})`, ...classLine(n));
      if (deps) lines.push(`  and waiting on ${deps} unbuilt build dependenc${plural}:`);
      break;
    default: {
      const e = n.exclusion!;
      lines.push(`  ${n.status} (${e.kind}): ${e.reason}`);
      const b = e.blocklist;
      if (b) lines.push(`  blocklist entry: ${b.name}, reason ${b.reason}${b.note ? `, note: ${b.note}` : ''}${b.link ? `, link: ${b.link}` : ''}`);
      if (n.blockedChain.length) lines.push(`    ${formatChain(n.id, n.blockedChain)}`);
      if (n.state) lines.push(`  state: ${stateText(n)}`);
    }
  }
  for (const chain of n.waitsOn) lines.push(`    ${formatChain(n.id, chain)}`);
  return lines;
}

export function formatNodeWhy(t: WhyTarget, n: NodeExplanation): string[] {
  const lines: string[] = [];
  const outputs = n.outputs.length && (n.outputs.length > 1 || n.outputs[0] !== n.id) ? ` (outputs: ${n.outputs.join(', ')})` : '';
  lines.push(`${targetKey(t.target)}: ${n.id}${outputs}`);
  if (n.pythonDependency) lines.push(`  ${n.status === 'planned' ? 'in the set' : 'python dependency'}: ${n.pythonDependency}`);
  lines.push(...standing(n));
  if (n.bootstrapOf) lines.push(`  bootstrap build of ${n.bootstrapOf}${n.bootstrapWhy ? `: ${n.bootstrapWhy}` : ''}`);
  if (n.bootstrapNode) lines.push(`  bootstrap build: ${n.bootstrapNode}`);
  const d = n.dependents;
  const ids = d.ids.length ? `: ${d.ids.slice(0, TOP).join(', ')}${d.ids.length > TOP ? ` … and ${d.ids.length - TOP} more` : ''}` : '';
  lines.push(`  needed by ${d.direct} directly, ${d.transitive} in all${ids}`);
  return lines;
}

export function formatWhyText(report: readonly WhyTarget[]): string {
  const lines: string[] = [];
  for (const t of report) {
    if (!t.nodes.length) lines.push(`${targetKey(t.target)}: no package named '${t.name}' in this target`);
    for (const n of t.nodes) lines.push(...formatNodeWhy(t, n));
  }
  return lines.join('\n') + '\n';
}
