import type { PipelineRegistry } from '../lib/definition/registry.ts';
import { errorMessage, PipelineError } from '../lib/errors.ts';
import type { DataLake } from '../lib/lake/data-lake.ts';
import { lakeKeys } from '../lib/lake/keys.ts';
import type { Logger } from '../lib/logger.ts';
import { runStatusSchema } from '../lib/pipeline/jobs.ts';
import { parseRunId } from '../lib/pipeline/lifecycle.ts';
import type { RunStore } from './run-store.ts';
import { type RunMetricsSummary, summarize } from './run-summary.ts';

/** Records read at once when many are new (the board's first scrape); bounds open files / S3 requests. */
const READ_CONCURRENCY = 16;

/** Options of {@link RunRecordCache}. */
export interface RunRecordCacheOptions {
  lake: DataLake;
  /** Reads records (and knows the loaded pipelines, whose runs are counted). */
  runs: RunStore;
  logger: Logger;
  /** How long a listing of the runs' keys is reused. Default 10 000 ms; 0 lists on every scrape. */
  listIntervalMs?: number;
  /** The loaded pipelines: the dataset of a run's suite comes from its definition when given. */
  definitions?: PipelineRegistry;
}

/**
 * The run records of the loaded pipelines, summarised and cached by key. A refresh lists each
 * pipeline's `runs/` (at most every `listIntervalMs`) and reads only keys it has not read yet, plus
 * the runs marked changed ({@link markChanged}: the board's queue events say when a run ended). The
 * first refresh reads every record, so what the metrics say survives a restart of the board.
 */
export class RunRecordCache {
  private readonly summaries = new Map<string, RunMetricsSummary | null>();
  private readonly changed = new Set<string>();
  private listedAt: number | undefined;
  private refreshing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** Bumped whenever a summary is added, replaced or removed. */
  version = 0;

  constructor(private readonly options: RunRecordCacheOptions) {}

  /** The pipelines whose runs are counted. */
  get pipelines(): readonly string[] {
    return this.options.runs.pipelines;
  }

  /** Marks a run's record to be read again at the next refresh (it was written or rewritten). */
  markChanged(runId: string): void {
    const parsed = parseRunId(runId);
    if (parsed && this.pipelines.includes(parsed.pipeline))
      this.changed.add(lakeKeys.run(parsed.pipeline, runId));
  }

  /** The current summaries (after a refresh). */
  values(): IterableIterator<RunMetricsSummary | null> {
    return this.summaries.values();
  }

  /**
   * Brings the cache up to date; concurrent callers (one scrape's metrics) share one refresh. A run
   * marked changed while a refresh is under way is read by another one right after it.
   */
  refresh(now = Date.now()): Promise<void> {
    if (this.refreshing) {
      if (this.changed.size === 0) return this.refreshing;
      this.queued ??= this.refreshing
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.refresh(now);
        });
      return this.queued;
    }
    const refreshing = this.doRefresh(now).finally(() => {
      if (this.refreshing === refreshing) this.refreshing = undefined;
    });
    this.refreshing = refreshing;
    return refreshing;
  }

  /** Resolves once no refresh is under way (failed or not). */
  async settled(): Promise<void> {
    await this.refreshing?.catch(() => undefined);
    await this.queued?.catch(() => undefined);
  }

  private async doRefresh(now: number): Promise<void> {
    const interval = this.options.listIntervalMs ?? 10_000;
    const toRead = new Set(this.changed);
    this.changed.clear();
    if (this.listedAt === undefined || now - this.listedAt >= interval) {
      const listed = await Promise.all(
        this.pipelines.map((pipeline) => this.options.lake.storage.list(lakeKeys.runsPrefix(pipeline))),
      );
      const keys = new Set(listed.flat().filter(isRecordKey));
      for (const key of this.summaries.keys()) {
        if (!keys.has(key)) {
          this.summaries.delete(key);
          this.version++;
        }
      }
      for (const key of keys) if (!this.summaries.has(key)) toRead.add(key);
      this.listedAt = now;
    }
    const pending = [...toRead];
    const lane = async () => {
      for (let key = pending.pop(); key !== undefined; key = pending.pop()) await this.read(key);
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, pending.length) }, lane));
  }

  private async read(key: string): Promise<void> {
    const runId = key.slice(key.lastIndexOf('/') + 1, -'.json'.length);
    try {
      const record = await this.options.runs.get(runId);
      if (record === undefined) {
        if (this.summaries.delete(key)) this.version++;
        return;
      }
      const valid = typeof record.pipeline === 'string' && runStatusSchema.safeParse(record.status).success;
      if (!valid) this.options.logger.warn({ key }, 'not a run record; left out of the metrics');
      this.summaries.set(key, valid ? summarize(record, this.options.definitions) : null);
      this.version++;
    } catch (error) {
      this.options.logger.warn({ key, err: errorMessage(error) }, 'run record unreadable for the metrics');
      // Not JSON: left out until it is rewritten. Unreadable now (an S3 hiccup): what was there stays,
      // and a key never read is tried again at the next scrape.
      if (error instanceof PipelineError && error.code === 'MALFORMED_JSON') {
        this.summaries.set(key, null);
        this.version++;
      } else if (!this.summaries.has(key)) this.changed.add(key);
    }
  }
}

function isRecordKey(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.endsWith('.json') && parseRunId(name.slice(0, -'.json'.length)) !== undefined;
}
