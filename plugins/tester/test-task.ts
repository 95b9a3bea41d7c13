// The tester's work on one test task (index.ts loads this module at the first test): the packages
// tested in fresh prefixes (run-tests.ts), those that pass copied into the tested channel.
import type { TestReport, TestTask } from '../../core/model/types.ts';
import { LocalChannel } from '../../core/conda/channel.ts';
import { isPackageFile } from '../../core/conda/package-types.ts';
import { packagesUnderTest, testPackage } from './run-tests.ts';
import { normalize, PLUGIN_NAME, type TesterOptions } from './index.ts';

export { LocalChannel };

/**
 * Test the task's packages, appending their checks to `report`; when no check of the report failed,
 * copy the task's artifacts (every format) into `tested` and index it.
 */
export async function testTask(task: TestTask, report: TestReport, options: TesterOptions = {}, tested: LocalChannel | null = null): Promise<void> {
  const opts = normalize(options);
  // Files that are not conda packages (a plugin's wheels) are that plugin's to test (its own test tap).
  const condaFiles = task.artifacts.filter((a) => isPackageFile(a.filename));
  if (!condaFiles.length && task.artifacts.length) return;
  const packages = packagesUnderTest({ ...task, artifacts: condaFiles });
  task.log(`${PLUGIN_NAME}: testing ${packages.map((p) => p.artifact.filename).join(', ') || 'nothing'} for ${task.target.subdir}`);
  for (const pkg of packages) {
    const label = packages.length > 1 ? `${pkg.artifact.name}: ` : '';
    report.checks.push(...(await testPackage(task, pkg, opts, label)));
  }
  const failed = report.checks.filter((c) => !c.ok);
  if (failed.length) {
    task.log(`${PLUGIN_NAME}: ${failed.length} test(s) failed: ${failed.map((c) => c.name).join(', ')}; not copied to the tested channel`);
    return;
  }
  if (!tested || !opts.copyToTested || !condaFiles.length) return;
  // The tested channel follows the latest build: a rebuilt package (same name, new bytes) replaces the old one.
  // Its derived index files follow at the writer's interval and when the run ends (report: close()),
  // not with every package: each is a rewrite of the whole channel's index.
  const added = await tested.add(condaFiles, { replace: true, complete: false });
  task.log(`${PLUGIN_NAME}: tested channel ${tested.root}: ${added.map((a) => `${a.subdir}/${a.filename} (${a.status})`).join(', ')}`);
}
