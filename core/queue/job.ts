// What a build job carries (coordinator → worker) and returns (worker → coordinator), and how a
// worker's failure class travels in BullMQ's failedReason (a string): `[class] message`.
import type { FailureClass } from '../model/types.ts';
import type { StoredArtifact } from './artifact-store.ts';

export interface BuildJobData {
  /** Node id and target. */
  id: string;
  subdir: string;
  python: string;
  /** The recipe content hash the coordinator planned with; a worker whose checkout differs refuses the job. */
  recipeHash: string | null;
  runId: number;
  attempt: number;
  /** The channels requirements are resolved from, as the coordinator's task has them (its output channel first; shared folders). */
  channels: string[];
  timeoutMs: number;
  /** The Redis stream the worker sends its log lines to. */
  log: string;
  /** Who enqueued it (host and pid), for messages. */
  coordinator: string;
  /** The coordinator's `limits.builder`: held across all workers (builder-slots.ts). */
  builderLimits?: Record<string, number>;
}

export interface BuildJobResult {
  /** Host and pid of the worker that built it. */
  worker: string;
  /** The builder plugin that built it on the worker. */
  builder: string;
  artifacts: StoredArtifact[];
}

const CLASSES: ReadonlySet<string> = new Set(['build', 'test', 'publish', 'timeout', 'container-start', 'network', 'cancelled', 'internal']);

/** A worker's failure as the failedReason BullMQ stores. */
export const failedReason = (failure: FailureClass, message: string) => `[${failure}] ${message}`;

/** A failedReason back into class and message (a reason without a class, e.g. BullMQ's own stalled-job failure: `internal`). */
export function parseFailedReason(reason: string): { failure: FailureClass; message: string } {
  const m = /^\[([a-z-]+)\] ([\s\S]*)$/.exec(reason);
  if (m && CLASSES.has(m[1])) return { failure: m[1] as FailureClass, message: m[2] };
  return { failure: 'internal', message: reason };
}

/** A BullMQ job id (no ':', not an integer) from its parts. */
export const jobIdOf = (...parts: (string | number)[]) => parts.map((p) => String(p).replace(/[^A-Za-z0-9._@+-]/g, '_')).join('.');
