import { cp, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import salesEtl from '../pipelines/sales_etl/pipeline.ts';
import { runTransform } from '../src/lib/engine/run-transform.ts';
import { DataLake, sha256 } from '../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../src/lib/lake/keys.ts';
import { LocalStorage } from '../src/lib/lake/local-storage.ts';
import { runQualityChecks } from '../src/lib/quality/run-checks.ts';

/** The suite the bench's backfills run (see backfill.ts). */
const SUITE = 'notebook';

/**
 * Recomputes every date of a bench lake in this process, unstreamed (each date's transactions in one
 * batch), from copies of its sales_etl landing objects, and compares the datasets with the workers'
 * byte for byte (the quality report without its timestamp and run id). Returns the differences, empty
 * when none.
 */
export async function verifyAgainstUnstreamed(lakeDir: string, dates: readonly string[]): Promise<string[]> {
  const scratch = await mkdtemp(path.join(path.dirname(lakeDir), 'verify-'));
  const problems: string[] = [];
  try {
    const pipeline = salesEtl.name;
    const suite = salesEtl.suites[SUITE];
    if (!suite) throw new Error(`pipeline ${pipeline} has no suite ${SUITE}`);
    // Only the landing objects (`<pipeline>/landing/…`): the reference computes the rest itself.
    await cp(path.join(lakeDir, pipeline, 'landing'), path.join(scratch, pipeline, 'landing'), {
      recursive: true,
    });
    const bench = new DataLake(new LocalStorage(lakeDir));
    const reference = new DataLake(new LocalStorage(scratch));
    for (const date of dates) {
      const result = await runTransform({
        lake: reference,
        pipeline: salesEtl,
        runId: 'verify',
        date,
        batchSize: Number.MAX_SAFE_INTEGER,
      });
      const { reportRef } = await runQualityChecks({
        lake: reference,
        pipeline,
        runId: 'verify',
        date,
        suite,
      });
      for (const dataset of Object.keys(result.outputs)) {
        const key = lakeKeys.dataset(pipeline, dataset, date);
        const [ours, theirs] = await Promise.all([bench.storage.get(key), reference.storage.get(key)]);
        if (sha256(ours) !== sha256(theirs)) problems.push(`${key}: streamed and unstreamed bytes differ`);
      }
      // The bench's report is under its run's id; a bench lake holds one run per date.
      const reports = await bench.storage.list(`${pipeline}/quality/${suite.dataset}/date=${date}/`);
      const strip = (report: Record<string, unknown>) => ({ ...report, timestamp: '', runId: '' });
      if (reports.length !== 1) problems.push(`${date}: ${reports.length} quality reports, expected one`);
      const [ours, theirs] = await Promise.all([
        bench.readJson(reports[0] as string),
        reference.readJson(reportRef.key),
      ]);
      if (JSON.stringify(strip(ours as never)) !== JSON.stringify(strip(theirs as never))) {
        problems.push(`${reportRef.key}: streamed and unstreamed quality reports differ`);
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return problems;
}
