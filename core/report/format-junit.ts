// report.junit.xml: the report as JUnit XML, for CI servers that show test results (schema/junit.xsd).
// One <testsuite> per target, one <testcase> per package: a failure (class as its type, the first
// matching log line as its message), an error for a plan error, skipped for everything not built
// (blocked, excluded, waiting) with the reason. Times come from the state (build durations), the
// timestamp from the report's `generated`: the same report gives the same bytes.
import type { Report, ReportPackage, ReportTarget } from './types.ts';
import { pythonsLabel } from '../config/pythons.ts';
import { explain } from './collect.ts';

// XML 1.0 forbids most control characters even escaped: drop them.
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function xmlEscape(s: string): string {
  return s.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const attr = (name: string, value: string | number) => ` ${name}="${xmlEscape(String(value))}"`;
const seconds = (ms: number | null) => ((ms ?? 0) / 1000).toFixed(3);

function outcome(p: ReportPackage): 'failure' | 'error' | 'skipped' | 'passed' {
  switch (p.status) {
    case 'failed': case 'test-failed': return 'failure';
    case 'error': return 'error';
    case 'built': case 'testing': case 'tested': case 'transmuting': case 'transmuted': case 'publishing': case 'published': return 'passed';
    default: return 'skipped';
  }
}

function testcase(t: ReportTarget, p: ReportPackage): string {
  const head = `    <testcase${attr('name', p.name)}${attr('classname', `${t.subdir}.py${t.python}`)}${attr('time', seconds(p.durationMs))}`;
  const kind = outcome(p);
  const out = p.log ? `\n      <system-out>${xmlEscape(`log: ${p.log}`)}</system-out>` : '';
  if (kind === 'passed') return out ? `${head}>${out}\n    </testcase>` : `${head}/>`;
  const message = kind === 'skipped' ? explain(p) : `${p.class ?? p.status}: ${p.classLine ?? p.reason ?? ''}`;
  const checks = (p.failedChecks ?? []).map((c) => `${c.name}: ${c.message ?? 'failed'}`);
  const body = kind === 'skipped' ? '' : xmlEscape([p.reason ?? '', ...checks, p.log ? `log: ${p.log}` : ''].filter(Boolean).join('\n'));
  const type = kind === 'skipped' ? '' : attr('type', p.class ?? p.status);
  const element = body ? `<${kind}${attr('message', message)}${type}>${body}</${kind}>` : `<${kind}${attr('message', message)}${type}/>`;
  return `${head}>\n      ${element}${out}\n    </testcase>`;
}

export function formatJunit(r: Report): string {
  const suites = r.targets.map((t) => {
    const kinds = t.packages.map(outcome);
    const n = (k: string) => kinds.filter((x) => x === k).length;
    const time = t.packages.reduce((a, p) => a + (p.durationMs ?? 0), 0);
    return (
      `  <testsuite${attr('name', `${t.subdir}/py${t.python}`)}${attr('tests', t.packages.length)}${attr('failures', n('failure'))}` +
      `${attr('errors', n('error'))}${attr('skipped', n('skipped'))}${attr('time', seconds(time))}${r.generated ? attr('timestamp', r.generated.replace(/(?:\.\d+)?Z$/, '')) : ''}>\n` +
      `    <properties>\n      <property name="subdir"${attr('value', t.subdir)}/>\n      <property name="python"${attr('value', t.python)}/>\n    </properties>\n` +
      t.packages.map((p) => testcase(t, p)).join('\n') + (t.packages.length ? '\n' : '') +
      '  </testsuite>'
    );
  });
  const all = r.targets.flatMap((t) => t.packages.map(outcome));
  const n = (k: string) => all.filter((x) => x === k).length;
  const time = r.targets.reduce((a, t) => a + t.packages.reduce((b, p) => b + (p.durationMs ?? 0), 0), 0);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites${attr('name', `rebuild python ${r.config.python.from} to ${pythonsLabel(r.config.python)}`)}${attr('tests', all.length)}` +
    `${attr('failures', n('failure'))}${attr('errors', n('error'))}${attr('skipped', n('skipped'))}${attr('time', seconds(time))}>\n` +
    suites.join('\n') + (suites.length ? '\n' : '') +
    '</testsuites>\n'
  );
}
