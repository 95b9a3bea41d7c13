// A coordinator started again (after a SIGKILL, a reboot, a changed aggregate) finds the jobs its
// earlier runs of the same work dir enqueued (job ids start with the work dir's tag). The jobs of
// builds this run does — waiting, done while it was down — are kept: build() takes them. Every other
// one is an orphan: its package is built already (state.db says so), not planned any more, has
// another recipe content now, or is left out by --only/--from. Orphans are removed before this run
// enqueues anything, so no worker builds them (nothing is built twice or in vain); a completed
// orphan's files leave the artifact store. One being built cannot be removed (its worker holds the
// lock): it is named, and its result is never taken.
import type { Job, JobType, Queue } from 'bullmq';
import type { BuildJobData } from './job.ts';

export interface OrphanJob {
  jobId: string;
  /** Node id and subdir. */
  id: string;
  subdir: string;
  /** Why the run does not want it. */
  why: string;
}

const STATES: JobType[] = ['waiting', 'prioritized', 'delayed', 'completed', 'failed', 'active'];

/**
 * Remove the jobs of `workTag` that are not in `wanted` (job ids). `why` says why a job is not
 * wanted; `dropStored` removes a completed job's files from the store. `kept`: the wanted jobs that
 * are in the queue already (build() looks only these up; every other one it enqueues at once).
 */
export async function removeOrphanJobs(
  queues: Iterable<Queue>,
  workTag: string,
  wanted: ReadonlySet<string>,
  why: (data: BuildJobData) => string,
  dropStored: (jobId: string) => Promise<void>,
): Promise<{ removed: OrphanJob[]; building: OrphanJob[]; kept: Set<string> }> {
  const removed: OrphanJob[] = [];
  const building: OrphanJob[] = [];
  const kept = new Set<string>();
  for (const queue of queues) {
    const jobs = (await queue.getJobs(STATES, 0, -1)) as (Job<BuildJobData> | undefined)[];
    for (const job of jobs) {
      if (!job?.id || !job.id.startsWith(`${workTag}.`)) continue;
      if (wanted.has(job.id)) {
        kept.add(job.id);
        continue;
      }
      const orphan: OrphanJob = { jobId: job.id, id: job.data.id, subdir: job.data.subdir, why: why(job.data) };
      const state = await job.getState();
      if (state === 'active') {
        building.push(orphan);
        continue;
      }
      try {
        await job.remove();
      } catch {
        // Taken by a worker meanwhile (locked): being built, its result is not taken.
        building.push(orphan);
        continue;
      }
      if (state === 'completed') await dropStored(job.id).catch(() => undefined);
      removed.push(orphan);
    }
  }
  const order = (a: OrphanJob, b: OrphanJob) => (a.subdir + a.id < b.subdir + b.id ? -1 : a.subdir + a.id > b.subdir + b.id ? 1 : 0);
  return { removed: removed.sort(order), building: building.sort(order), kept };
}

/** The notice of a reconciliation: which jobs went and why (the first few by name), which are still being built. */
export function describeOrphans({ removed, building }: { removed: OrphanJob[]; building: OrphanJob[] }): string[] {
  const names = (list: OrphanJob[]) => `${list.slice(0, 8).map((o) => `${o.id} ${o.subdir} (${o.why})`).join(', ')}${list.length > 8 ? ` (+${list.length - 8})` : ''}`;
  const out: string[] = [];
  if (removed.length) out.push(`queue: removed ${removed.length} job(s) of earlier runs this run does not build: ${names(removed)}`);
  if (building.length) out.push(`queue: ${building.length} job(s) of earlier runs this run does not build are being built by a worker; their results will not be taken: ${names(building)}`);
  return out;
}
