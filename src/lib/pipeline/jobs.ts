import { z } from 'zod';
import { assertIsoDate, assertValidKey } from '../lake/keys.ts';
import { sourceNameSchema } from '../sources/definitions.ts';

/**
 * The typed registry: each queue's payload and result schemas. Producers build payloads from it,
 * workers parse every payload with it when a job arrives, and the run record reads results back
 * through it. Change a step's contract here and both sides follow.
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

/** A pipeline name: lower-case letters, digits, `_`. Part of run ids and job ids. */
export const pipelineNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _');
/** Run ids appear in job ids and lake keys: no `:` (BullMQ) and no `/` (keys). */
export const runIdSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,160}$/, 'letters, digits, _ . - only');

/** Share of rows the generator spoils on purpose, so cleaning and checks have work to do. */
export const defectRatesSchema = z.object({
  /** Rows whose region is empty (the seed's 2%). */
  nullRegions: z.number().min(0).max(1).default(0.02),
  /** Rows that repeat an earlier transaction id. */
  duplicateIds: z.number().min(0).max(1).default(0.01),
  /** Rows with a negative quantity, hence a negative total_amount. */
  negativeAmounts: z.number().min(0).max(1).default(0.005),
  /** Rows whose product name has stray spaces or the wrong case. */
  messyProducts: z.number().min(0).max(1).default(0.05),
});
export type DefectRates = z.infer<typeof defectRatesSchema>;

export const fileFormatSchema = z.enum(['csv', 'json', 'ndjson']);
export type FileFormat = z.infer<typeof fileFormatSchema>;

/** Where an ingestion job gets its rows. */
export const inputSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('generate'),
    /** Rows to generate (transactions default 1000, customers 1000; products are a fixed catalog). */
    records: z.number().int().min(0).max(50_000_000).optional(),
    seed: z.number().int().default(42),
    defects: defectRatesSchema.prefault({}),
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
});

export const transformPayloadSchema = z.object(runRef);
export const transformResultSchema = z.object({
  /** Landing objects read, including dimension snapshots from earlier dates. */
  inputs: z.array(objectRefSchema),
  outputs: z.object({ cleaned: objectRefSchema, enriched: objectRefSchema, summary: objectRefSchema }),
  metrics: z.record(z.string(), z.record(z.string(), z.union([z.number(), z.string(), z.null()]))),
});

export const runStatusSchema = z.enum(['success', 'partial', 'failed']);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const qualityPayloadSchema = z.object({
  ...runRef,
  /** Name of the check suite (see src/lib/quality/suites.ts). */
  suite: z.string().min(1),
  /** The sources this run ingests; the run record lists their steps. */
  sources: z.array(sourceNameSchema).min(1),
  /** Which enqueue call created the run: producers racing to add it read this back to learn who won. */
  enqueueId: z.string().max(64).optional(),
});
export const qualityResultSchema = z.object({
  reportKey: z.string(),
  passed: z.boolean(),
  overallScore: z.number().nullable(),
  failedChecks: z.array(z.string()),
  status: runStatusSchema,
  runKey: z.string(),
});

/** A schedule's template: what each fire enqueues (the same flow `npm run enqueue` would). */
export const schedulePayloadSchema = z.object({
  pipeline: pipelineNameSchema,
  suite: z.string().min(1),
  sources: z.partialRecord(sourceNameSchema, inputSpecSchema),
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

/** Deterministic job ids: enqueueing the same run twice adds nothing. */
export const jobIds = {
  ingest: (runId: string, source: string) => `${runId}-ingest-${source}`,
  transform: (runId: string) => `${runId}-transform`,
  quality: (runId: string) => `${runId}-quality`,
} as const;
