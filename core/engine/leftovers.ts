// What a killed run's builds left running. Runners record each process group and container an
// attempt starts (`task.track`, table attempt_processes) and mark it ended when it has; a later run
// (which holds the work dir's lock, so no live run owns them) stops every one still open before it
// builds anything: the process group is killed only if it is provably the one recorded (same boot,
// same leader start time, or — leader gone — members that all started after it), containers are
// removed by name and by the work dir's label.
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import type { ProcessRow, StateDb } from '../state/state-db.ts';

/** Container label naming the work dir whose run started the container. */
export const WORKDIR_LABEL = 'io.rebuild.workdir';
export const RUN_LABEL = 'io.rebuild.run';
export const ATTEMPT_LABEL = 'io.rebuild.attempt';

let bootId: string | null | undefined;
function currentBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

interface ProcStat {
  state: string;
  pgrp: number;
  /** Start time after boot, in clock ticks (field 22). */
  start: number;
}

/** /proc/<pid>/stat, or null when there is no such process (or no /proc). */
function procStat(pid: number | string): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // `pid (comm) state ppid pgrp ...`: comm may hold spaces and parentheses; fields follow the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0], pgrp: Number(f[2]), start: Number(f[19]) };
}

/** `<boot id>:<start ticks>` of a live process: what tells it from a later process given the same pid. */
export function processStart(pid: number): string | null {
  const boot = currentBootId();
  const st = procStat(pid);
  return boot && st ? `${boot}:${st.start}` : null;
}

/** Live (not zombie) members of process group `pgid`, with their start ticks. */
export function groupMembers(pgid: number): { pid: number; start: number }[] {
  const out: { pid: number; start: number }[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(name);
    if (st && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') out.push({ pid: Number(name), start: st.start });
  }
  return out;
}

/**
 * Whether the recorded group is still ours: its leader is the recorded process (same boot and start
 * time), or the leader is gone and every live member of the group started after it (a pid is not
 * reused while its group has members, so such members are the build's children). Unknown start
 * time (no /proc when it was recorded): unknown, not killed; another boot: gone.
 */
export function groupIsOurs(pgid: number, pidStart: string | null): 'ours' | 'gone' | 'not ours' | 'unknown' {
  if (!pidStart) return 'unknown';
  const [boot, ticks] = [pidStart.slice(0, pidStart.lastIndexOf(':')), Number(pidStart.slice(pidStart.lastIndexOf(':') + 1))];
  if (boot !== currentBootId()) return 'gone'; // rebooted since: nothing of it runs
  const leader = procStat(pgid);
  if (leader && leader.state !== 'Z') return leader.start === ticks ? 'ours' : 'not ours';
  const members = groupMembers(pgid);
  if (!members.length) return 'gone';
  return members.every((m) => m.start >= ticks) ? 'ours' : 'not ours';
}

function cli(engine: string, args: string[]): Promise<{ ok: boolean; stdout: string; error: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(engine, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({
        ok: !err, stdout: String(stdout), error: err ? (String(stderr).trim() || err.message) : '',
        missing: (err as NodeJS.ErrnoException | null)?.code === 'ENOENT',
      }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGKILL the group and wait (at most `waitMs`) until no live member is left. */
async function killGroup(pgid: number, waitMs: number): Promise<boolean> {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    return false; // EPERM: another user's group
  }
  for (const end = Date.now() + waitMs; Date.now() < end; await sleep(20)) {
    if (!groupMembers(pgid).length) return true;
  }
  return !groupMembers(pgid).length;
}

export interface StopLeftoversOptions {
  workDir: string;
  /** Who stops them, for the outcome recorded ("killed by <by>"), e.g. `rebuild pid 1234`. */
  by: string;
  notice: (message: string) => void;
  /** How long to wait for a killed group to be gone (ms, default 5000). */
  waitMs?: number;
}

/**
 * Stop every process group and container a killed run's attempts left open (see the top of this
 * file); returns what was done, one line per leftover. Call it holding the work dir's lock, before
 * any build starts.
 */
export async function stopLeftovers(db: StateDb, options: StopLeftoversOptions): Promise<string[]> {
  const rows = db.openProcesses();
  const done: string[] = [];
  const engines = new Set<string>();
  const who = (r: ProcessRow) => `${r.subdir}/${r.node} (run ${r.runId})`;
  for (const r of rows) {
    if (r.kind === 'process-group') {
      const ours = groupIsOurs(r.pgid, r.pidStart);
      if (ours === 'ours') {
        const gone = await killGroup(r.pgid, options.waitMs ?? 5000);
        if (gone) db.endProcess(r.id, `killed by ${options.by}`); // else left open: the next run tries again
        done.push(`${gone ? 'killed' : 'could not kill'} process group ${r.pgid} of ${who(r)}`);
      } else {
        const why = { gone: 'gone', 'not ours': 'pid reused by another process: not killed', unknown: 'start time unknown (no /proc): not killed' }[ours];
        db.endProcess(r.id, why);
        if (ours === 'not ours') done.push(`process group ${r.pgid} of ${who(r)}: pid now belongs to another process, not killed`);
        if (ours === 'unknown') done.push(`process group ${r.pgid} of ${who(r)}: not killed (its start time is unknown, so a reused pid cannot be told apart)`);
      }
    } else {
      engines.add(r.engine);
      // kill first: `podman rm -f` would wait the container's stop timeout (10 s) for a PID 1 that ignores SIGTERM.
      await cli(r.engine, ['kill', r.container]);
      const rm = await cli(r.engine, ['rm', '-f', r.container]);
      if (rm.missing) {
        // Left open: a run with the engine installed removes it.
        done.push(`container ${r.container} of ${who(r)} not removed: container engine '${r.engine}' not found`);
        continue;
      }
      const gone = rm.ok || !(await cli(r.engine, ['container', 'inspect', '--format', '{{.Id}}', r.container])).ok;
      if (gone) db.endProcess(r.id, `removed by ${options.by}`); // else left open: the next run tries again
      done.push(`${gone ? 'removed' : `could not remove (${rm.error})`} container ${r.container} of ${who(r)}`);
    }
  }
  // Containers of this work dir the records missed: every one is a leftover (we hold the lock).
  for (const engine of engines) {
    const ps = await cli(engine, ['ps', '-a', '-q', '--filter', `label=${WORKDIR_LABEL}=${options.workDir}`]);
    const ids = ps.ok ? ps.stdout.split('\n').map((s) => s.trim()).filter(Boolean) : [];
    if (!ids.length) continue;
    await cli(engine, ['kill', ...ids]);
    const rm = await cli(engine, ['rm', '-f', ...ids]);
    done.push(`${rm.ok ? 'removed' : `could not remove (${rm.error})`} ${ids.length} more container(s) labelled ${WORKDIR_LABEL}=${options.workDir}`);
  }
  for (const line of done) options.notice(`leftover of a killed run: ${line}`);
  return done;
}
