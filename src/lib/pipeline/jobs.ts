import { z } from 'zod';
import { assertIsoDate, assertValidKey } from '../lake/keys.ts';

/**
 * The typed registry: each queue's payload and result schemas. Producers build payloads from it,
 * workers parse every payload with it when a job arrives, and the run record reads results back
 * through it. Change a step's contract here and both sides follow. The contracts are the same for
 * every pipeline: a payload names its pipeline and carries references (names, lake keys, row
 * counts); what a name means comes from the pipeline's definition, resolved by the worker.
 */

/** A calendar date `YYYY-MM-DD` (a real day). */
export const isoDateSchema = z.string().refine(
  (value) => {
    try {
      assertIsoDate(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a calendar date YYYY-MM-DD' },
);
const lakeKey = z.string().superRefine((value, ctx) => {
  try {
    assertValidKey(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** A pipeline name: lower-case letters, digits, `_`. Part of run ids, job ids and lake keys. */
export const pipelineNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _');
/** A source or suite name of a pipeline: the same alphabet (source names are in job ids and keys). */
export const sourceNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _, starting with a letter');
/** A quality suite's name. */
export const suiteNameSchema = z.string().min(1).max(64);
/** Run ids appear in job ids and lake keys: no `:` (BullMQ) and no `/` (keys). */
export const runIdSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,160}$/, 'letters, digits, _ . - only');

export const fileFormatSchema = z.enum(['csv', 'json', 'ndjson', 'parquet']);
export type FileFormat = z.infer<typeof fileFormatSchema>;

/** Where an ingestion job gets its rows. */
export const inputSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('generate'),
    /** Rows to generate; default the generator's own (`defaultRecords`). */
    records: z.number().int().min(0).max(50_000_000).optional(),
    seed: z.number().int().default(42),
    /** The generator's options (`--gen name=value`), checked by the generator's own schema. */
    options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  }),
  z.object({
    kind: z.literal('file'),
    /** An absolute path on the worker's machine (or a shared volume). */
    path: z.string().startsWith('/', 'must be an absolute path'),
    format: fileFormatSchema.optional(),
  }),
  z.object({ kind: z.literal('lake'), key: lakeKey, format: fileFormatSchema.optional() }),
]);
export type InputSpec = z.infer<typeof inputSpecSchema>;

export const objectRefSchema = z.object({
  /** Validated like every key: a result read back from Redis is input too. */
  key: lakeKey,
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
});

const runRef = { runId: runIdSchema, pipeline: pipelineNameSchema, date: isoDateSchema };

export const ingestPayloadSchema = z.object({ ...runRef, source: sourceNameSchema, input: inputSpecSchema });
export const ingestResultSchema = z.object({
  source: sourceNameSchema,
  date: z.string(),
  landing: objectRefSchema,
  metaKey: z.string(),
  columns: z.array(z.string()),
  warnings: z.array(z.string()),
  /**
   * Rows set aside instead of failing the run, where the source declares a quarantine: the
   * quarantine object (`rows` of them) and how many rows each rule sent there. `null` when none were.
   */
  quarantine: z
    .object({ ref: objectRefSchema, byRule: z.record(z.string(), z.number().int().nonnegative()) })
    .nullable()
    .default(null),
});

export const transformPayloadSchema = z.object(runRef);
export const transformResultSchema = z.object({
  /** Landing objects read, including dimension snapshots from earlier dates. */
  inputs: z.array(objectRefSchema),
  /** Output datasets by name, as the pipeline's transform wrote them. */
  outputs: z.record(z.string(), objectRefSchema),
  metrics: z.record(z.string(), z.record(z.string(), z.union([z.number(), z.string(), z.null()]))),
});

export const runStatusSchema = z.enum(['success', 'partial', 'failed']);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const qualityPayloadSchema = z.object({
  ...runRef,
  /** The pipeline's quality suite to run; absent when the pipeline declares none. */
  suite: suiteNameSchema.optional(),
  /** The sources this run ingests, in the pipeline's order; the run record lists their steps. */
  sources: z.array(sourceNameSchema).min(1),
  /** Which enqueue call created the run: producers racing to add it read this back to learn who won. */
  enqueueId: z.string().max(64).optional(),
});
export const qualityResultSchema = z.object({
  /** The quality report; `null` when the pipeline has no suite (nothing was checked). */
  reportKey: z.string().nullable(),
  passed: z.boolean().nullable(),
  overallScore: z.number().nullable(),
  failedChecks: z.array(z.string()),
  /** Checks that ended `warn`. */
  warnings: z.array(z.string()).default([]),
  status: runStatusSchema,
  runKey: z.string(),
});

/** A schedule's template: what each fire enqueues (the same flow `npm run enqueue` would). */
export const schedulePayloadSchema = z.object({
  pipeline: pipelineNameSchema,
  suite: suiteNameSchema.optional(),
  /** Where each ingested source's rows come from; sources left out are not ingested. */
  sources: z.record(sourceNameSchema, inputSpecSchema),
  /** The run's date is the fire time's UTC date plus this many days (default -1: yesterday). */
  dateOffsetDays: z.number().int().min(-366).max(366).default(-1),
});
export const scheduleResultSchema = z.object({ runId: runIdSchema, date: z.string(), created: z.boolean() });

/** Queue name → payload and result schema. */
export const jobRegistry = {
  ingest: { payload: ingestPayloadSchema, result: ingestResultSchema },
  transform: { payload: transformPayloadSchema, result: transformResultSchema },
  quality: { payload: qualityPayloadSchema, result: qualityResultSchema },
  schedule: { payload: schedulePayloadSchema, result: scheduleResultSchema },
} as const;

export type QueueName = keyof typeof jobRegistry;
export const QUEUE_NAMES = Object.keys(jobRegistry) as QueueName[];
export type JobPayload<Q extends QueueName> = z.infer<(typeof jobRegistry)[Q]['payload']>;
export type JobResult<Q extends QueueName> = z.infer<(typeof jobRegistry)[Q]['result']>;
export type IngestPayload = JobPayload<'ingest'>;
export type IngestResult = JobResult<'ingest'>;
export type TransformPayload = JobPayload<'transform'>;
export type TransformResult = JobResult<'transform'>;
export type QualityPayload = JobPayload<'quality'>;
export type QualityResult = JobResult<'quality'>;
export type SchedulePayload = JobPayload<'schedule'>;
export type ObjectRefShape = z.infer<typeof objectRefSchema>;
