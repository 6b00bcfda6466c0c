import type { DataLake } from '../../src/lib/lake/data-lake.ts';
import type { QualityCheck } from '../../src/lib/quality/checks.ts';
import type { QualityReport } from '../../src/lib/quality/report.ts';
import { runQualityChecks } from '../../src/lib/quality/run-checks.ts';

/**
 * Runs `checks` over a CSV with a column `x` (`values`, one per row) and a column `y` (`1` on every
 * row unless `y` says otherwise), written to `data.csv` in `lake`; returns the report.
 */
export async function checkColumns(
  lake: DataLake,
  values: readonly string[],
  checks: QualityCheck[],
  options: { batchSize?: number; y?: (row: number) => string } = {},
): Promise<QualityReport> {
  const y = options.y ?? (() => '1');
  await lake.storage.put('data.csv', `x,y\n${values.map((v, i) => `${v},${y(i)}\n`).join('')}`);
  const { report } = await runQualityChecks({
    lake,
    pipeline: 'quality_test',
    runId: 'test',
    date: '2024-01-20',
    suite: { name: 'test', dataset: 'data', checks },
    datasetKey: 'data.csv',
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
  });
  return report;
}
