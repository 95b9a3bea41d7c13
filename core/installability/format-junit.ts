// installability.junit.xml: one <testsuite> per subdir, one <testcase> per package (a <failure>
// with the solver's message when it cannot be installed), checked against schema/junit.xsd. No
// times and no timestamp: the same matrix gives the same bytes.
import { xmlEscape } from '../report/format-junit.ts';
import type { InstallabilityCase, InstallabilityResult } from './matrix.ts';

const attr = (name: string, value: string | number) => ` ${name}="${xmlEscape(String(value))}"`;

/** The solver's first line (the JUnit message attribute; the whole message is the element's text). */
export function firstLine(message: string): string {
  return message.split('\n', 1)[0];
}

function testcase(c: InstallabilityCase, python: string): string {
  const head = `    <testcase${attr('name', c.name)}${attr('classname', `installability.${c.subdir}.py${python}`)}`;
  if (c.outcome.ok) return `${head}/>`;
  const m = c.outcome.message;
  return `${head}>\n      <failure${attr('message', firstLine(m))}${attr('type', 'not installable')}>${xmlEscape(m)}</failure>\n    </testcase>`;
}

export function formatInstallabilityJunit(r: InstallabilityResult): string {
  const failures = (cases: InstallabilityCase[]) => cases.filter((c) => !c.outcome.ok).length;
  const suites = r.subdirs.map((subdir) => {
    const cases = r.cases.filter((c) => c.subdir === subdir);
    return (
      `  <testsuite${attr('name', `installability ${subdir} python ${r.python}`)}${attr('tests', cases.length)}${attr('failures', failures(cases))}${attr('errors', 0)}${attr('skipped', 0)}>\n` +
      `    <properties>\n      <property name="subdir"${attr('value', subdir)}/>\n      <property name="python"${attr('value', r.python)}/>\n` +
      r.channels.map((c, i) => `      <property${attr('name', `channel.${i}`)}${attr('value', c)}/>\n`).join('') +
      '    </properties>\n' +
      cases.map((c) => `${testcase(c, r.python)}\n`).join('') +
      '  </testsuite>'
    );
  });
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites${attr('name', `installability python ${r.python}`)}${attr('tests', r.cases.length)}${attr('failures', failures(r.cases))}${attr('errors', 0)}${attr('skipped', 0)}>\n` +
    suites.map((s) => `${s}\n`).join('') +
    '</testsuites>\n'
  );
}
