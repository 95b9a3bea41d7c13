// `rebuild logs <name> [--arch A] [--python X.Y] [-f]`: print a package's build log, or follow it (tail -f) until
// Ctrl-C or, when no run is in progress any more, until the end of the file.
import { existsSync, readFileSync } from 'node:fs';
import type { GlobalOptions } from '../options.ts';
import { UserError } from '../../model/errors.ts';
import { EXIT } from '../../engine/exit-codes.ts';
import { UnknownNameError } from '../../explain/find-nodes.ts';
import { lockHolder } from '../../state/lock.ts';
import { followFile } from '../../state/follow-file.ts';
import type { PackageRow } from '../../state/state-db.ts';
import { openState, workDirOf } from './status.ts';

export interface LogsOptions extends GlobalOptions {
  follow?: boolean;
  /** Only this python's target (a work dir of several pythons). */
  python?: string;
}

export interface LogsIo {
  write(text: string): void;
  signal?: AbortSignal;
  pollMs?: number;
}

export async function logsCommand(args: string[], opts: LogsOptions, io: LogsIo = { write: (t) => void process.stdout.write(t) }): Promise<number> {
  const name = args[0];
  if (!name) throw new UserError('logs: which package? (rebuild logs <name>)', EXIT.USAGE);
  const workDir = await workDirOf(opts);
  const db = openState(workDir);
  let rows: PackageRow[];
  try {
    const every = db.packages();
    const named = (list: PackageRow[]) => {
      const byNode = list.filter((p) => p.node === name);
      return byNode.length ? byNode : list.filter((p) => p.feedstock === name || p.outputs.includes(name));
    };
    const all = every.filter((p) => (!opts.arch?.length || opts.arch.includes(p.subdir)) && (!opts.python || p.python === opts.python));
    rows = named(all);
    if (!rows.length) {
      // A known name that --arch/--python filtered out: say which targets it has, not "unknown package".
      const elsewhere = named(every);
      if (elsewhere.length) {
        const picked = [opts.arch?.length ? `--arch ${opts.arch.join(',')}` : '', opts.python ? `--python ${opts.python}` : ''].filter(Boolean).join(' ');
        const targets = [...new Set(elsewhere.map((r) => `${r.subdir} py${r.python}`))].sort().join(', ');
        throw new UserError(`logs: '${name}' has no package for ${picked} (its targets: ${targets})`, EXIT.USAGE);
      }
      // The same error (message and exit code 64) as `rebuild why` for a name nobody knows.
      throw new UnknownNameError(name, all.flatMap((p) => [p.node, p.feedstock, ...p.outputs]));
    }
  } finally {
    db.close();
  }
  // Rows of several pythons are named `linux-64 py3.14 numpy`.
  const several = rows.some((r) => r.python !== rows[0].python);
  const who = (r: PackageRow) => `${r.subdir}${several ? ` py${r.python}` : ''} ${r.node}`;
  const withLog = rows.filter((r) => r.logPath);
  if (!withLog.length) {
    throw new UserError(`logs: ${rows.map((r) => `${who(r)} (${r.status}${r.reason ? `: ${r.reason}` : ''})`).join(', ')} has no build log yet`);
  }
  if (opts.follow) {
    if (withLog.length > 1) throw new UserError(`logs -f: '${name}' has logs for ${withLog.map(who).join(', ')}; pick one with --arch${several ? ' and --python' : ''}`, EXIT.USAGE);
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    if (!io.signal) process.once('SIGINT', onSigint);
    io.signal?.addEventListener('abort', onSigint, { once: true });
    try {
      await followFile(withLog[0].logPath!, io.write, controller.signal, { pollMs: io.pollMs, until: () => lockHolder(workDir) === null });
    } finally {
      process.off('SIGINT', onSigint);
    }
    return 0;
  }
  for (const r of withLog) {
    if (withLog.length > 1) io.write(`==> ${who(r)} (${r.status}) ${r.logPath} <==\n`);
    if (!existsSync(r.logPath!)) {
      // The executor creates a log only when something is logged: a silent successful build has none.
      io.write(`(no log file ${r.logPath}: the build logged nothing (${r.status}${r.reason ? `: ${r.reason}` : ''}), or the file was removed)\n`);
      continue;
    }
    io.write(readFileSync(r.logPath!, 'utf8'));
  }
  return 0;
}
