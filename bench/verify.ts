import { cp, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { DataLake, sha256 } from '../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../src/lib/lake/keys.ts';
import { LocalStorage } from '../src/lib/lake/local-storage.ts';
import { runQualityChecks } from '../src/lib/quality/run-checks.ts';
import { transformDate } from '../src/lib/transform/transform.ts';

/**
 * Recomputes every date of a bench lake in this process, unstreamed (each date's transactions in one
 * batch), from copies of its landing objects, and compares the outputs with the workers' byte for byte
 * (the quality report without its timestamp and run id). Returns the differences, empty when none.
 */
export async function verifyAgainstUnstreamed(lakeDir: string, dates: readonly string[]): Promise<string[]> {
  const scratch = await mkdtemp(path.join(path.dirname(lakeDir), 'verify-'));
  const problems: string[] = [];
  try {
    await cp(path.join(lakeDir, 'landing'), path.join(scratch, 'landing'), { recursive: true });
    const bench = new DataLake(new LocalStorage(lakeDir));
    const reference = new DataLake(new LocalStorage(scratch));
    for (const date of dates) {
      await transformDate({ lake: reference, runId: 'verify', date, batchSize: Number.MAX_SAFE_INTEGER });
      await runQualityChecks({ lake: reference, runId: 'verify', date, suite: 'notebook' });
      for (const key of [lakeKeys.cleaned(date), lakeKeys.enriched(date), lakeKeys.dailySummary(date)]) {
        const [ours, theirs] = await Promise.all([bench.storage.get(key), reference.storage.get(key)]);
        if (sha256(ours) !== sha256(theirs)) problems.push(`${key}: streamed and unstreamed bytes differ`);
      }
      const reportKey = lakeKeys.qualityReport('enriched_transactions', date);
      const strip = (report: Record<string, unknown>) => ({ ...report, timestamp: '', runId: '' });
      const [ours, theirs] = await Promise.all([bench.readJson(reportKey), reference.readJson(reportKey)]);
      if (JSON.stringify(strip(ours as never)) !== JSON.stringify(strip(theirs as never))) {
        problems.push(`${reportKey}: streamed and unstreamed quality reports differ`);
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return problems;
}
