// `rebuild config [--profile P] [--json]`: the resolved, frozen config, secrets redacted.
import { stringify } from 'yaml';
import type { GlobalOptions } from '../options.ts';
import { loadConfigContext } from '../context.ts';
import { printableConfig, scrubSecrets } from '../../config/printable.ts';
import { displayPath } from '../../config/errors.ts';

export async function configCommand(_args: string[], opts: GlobalOptions): Promise<number> {
  const { file, raw, config } = await loadConfigContext(opts);
  const { data, secrets } = printableConfig(config);
  let text: string;
  if (opts.json) text = `${JSON.stringify(data, null, 2)}\n`;
  else {
    const description = config.profile === null ? undefined : (raw as any)?.profiles?.[config.profile]?.description;
    const profile = config.profile === null ? '(none)' : `${config.profile}${typeof description === 'string' ? ` (${description})` : ''}`;
    text = `# ${displayPath(file)}, profile: ${profile}\n${stringify(data)}`;
  }
  process.stdout.write(scrubSecrets(text, secrets));
  return 0;
}
