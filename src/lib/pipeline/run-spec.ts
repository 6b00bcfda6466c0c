import { randomBytes } from 'node:crypto';
import type { SourceName } from '../sources/definitions.ts';
import type { InputSpec } from './jobs.ts';

/** Everything that defines one run: which pipeline, which date, where each source's rows come from. */
export interface RunSpec {
  pipeline: string;
  /** Partition date, `YYYY-MM-DD`. */
  date: string;
  /** One ingestion per listed source. */
  sources: Partial<Record<SourceName, InputSpec>>;
  /** Quality suite name. */
  suite: string;
  /** Set for a deliberate re-run; otherwise the run id is deterministic. */
  rerunTag?: string;
}

/**
 * The run id: `<pipeline>-<date>`, so enqueueing the same run twice is a no-op (the seed used the start
 * second, which collides). A deliberate re-run appends `-r<tag>` and gets new jobs.
 */
export function runIdOf(spec: Pick<RunSpec, 'pipeline' | 'date' | 'rerunTag'>): string {
  const base = `${spec.pipeline}-${spec.date}`;
  return spec.rerunTag ? `${base}-r${spec.rerunTag}` : base;
}

/** A fresh, sortable re-run tag: base-36 milliseconds plus randomness, so two re-runs never collide. */
export function newRerunTag(now = Date.now()): string {
  return `${now.toString(36)}${randomBytes(3).toString('hex')}`;
}
