import type { PipelineDefinition } from '../definition/define.ts';
import type { SchedulePayload } from './jobs.ts';
import { buildRunFlow } from './lifecycle.ts';
import type { PipelineQueues } from './queues.ts';

/** A daily (or any cron) run of a pipeline, kept by BullMQ's job scheduler. */
export interface ScheduleSpec {
  /** Cron expression (5 fields, or 6 with seconds), e.g. `0 2 * * *`. */
  cron: string;
  /** IANA time zone the cron is read in. Default `UTC`. */
  tz?: string;
  /** What each fire enqueues. */
  template: SchedulePayload;
}

/** One schedule as stored in Redis. */
export interface ScheduleInfo {
  pipeline: string;
  cron: string | undefined;
  tz: string | undefined;
  next: string | null;
}

/** The scheduler id of a pipeline's schedule, `run-<pipeline>`: one schedule per pipeline. */
export const scheduleIdOf = (pipeline: string) => `run-${pipeline}`;
const SCHEDULE_ID = /^run-([a-z][a-z0-9_]*)$/;

/**
 * Creates or replaces a pipeline's schedule. Each fire adds a job to the `schedule` queue, whose
 * processor enqueues the same flow as `npm run enqueue` for the fire's date (deterministic run id,
 * so a fire and a manual enqueue of the same date are one run). The template is checked against
 * `pipeline` first, as a run of today would be.
 * @throws InputError `UNKNOWN_SOURCE` / `UNKNOWN_SUITE` listing what the pipeline has
 */
export async function setSchedule(
  queues: PipelineQueues,
  spec: ScheduleSpec,
  pipeline: PipelineDefinition,
): Promise<ScheduleInfo> {
  const { template } = spec;
  const date = new Date().toISOString().slice(0, 10);
  buildRunFlow(pipeline, { ...template, date }, { attempts: 1, backoffMs: 0, keepCompletedSeconds: 1 });
  const id = scheduleIdOf(spec.template.pipeline);
  await queues.schedule.upsertJobScheduler(
    id,
    { pattern: spec.cron, tz: spec.tz ?? 'UTC' },
    { name: id, data: spec.template, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  const info = (await listSchedules(queues)).find((schedule) => schedule.pipeline === spec.template.pipeline);
  if (!info) throw new Error(`schedule ${id} was not stored`);
  return info;
}

/** Removes a pipeline's schedule; resolves false when there was none. */
export async function removeSchedule(queues: PipelineQueues, pipeline: string): Promise<boolean> {
  return queues.schedule.removeJobScheduler(scheduleIdOf(pipeline));
}

/** Every schedule, with its next fire time. */
export async function listSchedules(queues: PipelineQueues): Promise<ScheduleInfo[]> {
  const schedulers = await queues.schedule.getJobSchedulers(0, -1, true);
  return schedulers.map((scheduler) => ({
    pipeline: SCHEDULE_ID.exec(scheduler.key)?.[1] ?? scheduler.key,
    cron: scheduler.pattern ?? undefined,
    tz: scheduler.tz ?? undefined,
    next: scheduler.next ? new Date(scheduler.next).toISOString() : null,
  }));
}
