import { Counter, Gauge, type Registry } from 'prom-client';
import type { CheckSummary } from '../lib/pipeline/run-record.ts';
import type { RunRecordCache } from './run-record-cache.ts';
import type { RunMetricsSummary } from './run-summary.ts';

const OUTCOMES: readonly CheckSummary['outcome'][] = ['pass', 'warn', 'error'];

/** The quality and quarantine metrics, aggregated from a cache's summaries. */
interface QualityAggregate {
  /** Per pipeline and suite: the latest run (by end time) that recorded its checks. */
  checked: Map<string, { suite: string; run: RunMetricsSummary & { endedAt: number } }>;
  /** Per pipeline: the latest run (by end time) that recorded its quarantines. */
  quarantinedLatest: Map<string, RunMetricsSummary & { endedAt: number }>;
  /** Per pipeline and source: rows quarantined over every run. */
  quarantinedTotal: Map<string, { pipeline: string; source: string; rows: number }>;
}

function aggregate(cache: RunRecordCache): QualityAggregate {
  const result: QualityAggregate = {
    checked: new Map(),
    quarantinedLatest: new Map(),
    quarantinedTotal: new Map(),
  };
  for (const run of cache.values()) {
    if (!run) continue;
    const { pipeline } = run;
    for (const [source, rows] of Object.entries(run.quarantined ?? {})) {
      const key = `${pipeline}\0${source}`;
      const sum = result.quarantinedTotal.get(key) ?? { pipeline, source, rows: 0 };
      sum.rows += rows;
      result.quarantinedTotal.set(key, sum);
    }
    if (run.endedAt === undefined) continue;
    const ended = run as RunMetricsSummary & { endedAt: number };
    // Records of older runs lack the fields: they neither count nor hide a newer run's.
    if (run.quarantined !== undefined && !isOlder(ended, result.quarantinedLatest.get(pipeline)))
      result.quarantinedLatest.set(pipeline, ended);
    if (run.checks !== undefined && run.suite !== null) {
      const key = `${pipeline}\0${run.suite}`;
      if (!isOlder(ended, result.checked.get(key)?.run))
        result.checked.set(key, { suite: run.suite, run: ended });
    }
  }
  return result;
}

/** Whether `run` ended before `than` (ties by nothing better: the later one read wins, as a re-read does). */
function isOlder(run: { endedAt: number }, than: { endedAt: number } | undefined): boolean {
  return than !== undefined && run.endedAt < than.endedAt;
}

/**
 * Registers the quality and quarantine metrics, computed at each scrape from the run records in the lake
 * (through `cache`), for alert rules on the state a pipeline is in now:
 * - `lakeflow_quality_check_outcome{pipeline,suite,dataset,check,outcome}`: of the latest run checked
 *   with the suite, 1 for the outcome each check ended with and 0 for the other two (so a rule on
 *   `outcome="error"} == 1` resolves once the check passes again);
 * - `lakeflow_quality_check_failing_rows{pipeline,suite,dataset,check}`: its failing rows;
 * - `lakeflow_quality_warnings{pipeline,suite,dataset}`: how many of its checks ended `warn`;
 * - `lakeflow_quarantined_rows{pipeline,source}`: rows the pipeline's latest run set aside per source
 *   (0 for each other source it ingested), and `lakeflow_quarantined_rows_total` over every run.
 * Records written before these were recorded are left out.
 */
export function registerQualityMetrics(registry: Registry, cache: RunRecordCache): void {
  let computed: { version: number; value: QualityAggregate } | undefined;
  const current = async (): Promise<QualityAggregate> => {
    await cache.refresh();
    if (computed?.version !== cache.version) computed = { version: cache.version, value: aggregate(cache) };
    return computed.value;
  };
  const registers = [registry];

  new Gauge({
    name: 'lakeflow_quality_check_outcome',
    help: "1 for the outcome (pass, warn, error) each check ended with in the pipeline's latest run checked with the suite, 0 for the others.",
    labelNames: ['pipeline', 'suite', 'dataset', 'check', 'outcome'],
    registers,
    async collect() {
      const { checked } = await current();
      this.reset();
      for (const { suite, run } of checked.values()) {
        const dataset = run.dataset ?? 'unknown';
        for (const check of run.checks ?? []) {
          for (const outcome of OUTCOMES) {
            const labels = { pipeline: run.pipeline, suite, dataset, check: check.name, outcome };
            this.set(labels, check.outcome === outcome ? 1 : 0);
          }
        }
      }
    },
  });
  new Gauge({
    name: 'lakeflow_quality_check_failing_rows',
    help: "Rows that failed each check in the pipeline's latest run checked with the suite (absent for a check that could not be computed).",
    labelNames: ['pipeline', 'suite', 'dataset', 'check'],
    registers,
    async collect() {
      const { checked } = await current();
      this.reset();
      for (const { suite, run } of checked.values()) {
        const dataset = run.dataset ?? 'unknown';
        for (const check of run.checks ?? []) {
          if (check.failingRows !== null)
            this.set({ pipeline: run.pipeline, suite, dataset, check: check.name }, check.failingRows);
        }
      }
    },
  });
  new Gauge({
    name: 'lakeflow_quality_warnings',
    help: "Checks that ended warn in the pipeline's latest run checked with the suite (the run stays success).",
    labelNames: ['pipeline', 'suite', 'dataset'],
    registers,
    async collect() {
      const { checked } = await current();
      this.reset();
      for (const { suite, run } of checked.values()) {
        const warnings =
          run.warnings ?? (run.checks ?? []).filter((check) => check.outcome === 'warn').length;
        this.set({ pipeline: run.pipeline, suite, dataset: run.dataset ?? 'unknown' }, warnings);
      }
    },
  });
  new Gauge({
    name: 'lakeflow_quarantined_rows',
    help: "Rows the pipeline's latest run quarantined per source (0 for each other source it ingested).",
    labelNames: ['pipeline', 'source'],
    registers,
    async collect() {
      const { quarantinedLatest } = await current();
      this.reset();
      for (const run of quarantinedLatest.values()) {
        for (const [source, rows] of Object.entries(run.quarantined ?? {}))
          this.set({ pipeline: run.pipeline, source }, rows);
      }
    },
  });
  new Counter({
    name: 'lakeflow_quarantined_rows_total',
    help: "Rows quarantined per pipeline and source by the runs' ingestions.",
    labelNames: ['pipeline', 'source'],
    registers,
    async collect() {
      const { quarantinedTotal } = await current();
      this.reset();
      for (const { pipeline, source, rows } of quarantinedTotal.values())
        this.inc({ pipeline, source }, rows);
    },
  });
}
