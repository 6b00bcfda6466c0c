import { errorMessage } from '../../lib/errors.ts';
import { lakeKeys } from '../../lib/lake/keys.ts';
import { finishRun } from '../../lib/pipeline/lifecycle.ts';
import { suiteOf } from '../../lib/pipeline/resolve.ts';
import type { RunRecord } from '../../lib/pipeline/run-record.ts';
import { type QualityReport, qualitySummary } from '../../lib/quality/report.ts';
import { runQualityChecks } from '../../lib/quality/run-checks.ts';
import { writeRunReportHtml } from '../../lib/report/report-html-write.ts';
import { parseChildResult, type StepProcessor, type WorkerDeps } from '../step.ts';

/**
 * Runs the run's quality suite on its dataset as the transform wrote it, then writes the run record
 * (this is the root step). A pipeline without suites only writes the record.
 */
export function qualityProcessor({ lake, queues }: WorkerDeps): StepProcessor<'quality'> {
  return async (job, signal) => {
    const startedAt = Date.now();
    const { runId, date, pipeline } = job.data;
    const suite = suiteOf(job.pipeline, job.data.suite); // UNKNOWN_SUITE, at once
    let quality: RunRecord['quality'] = null;
    let report: QualityReport | null = null;
    if (suite) {
      const [transformValue] = Object.values(await job.childrenValues());
      const transformed = parseChildResult('transform', transformValue);
      const datasetKey = transformed.outputs[suite.dataset]?.key;
      const checked = await runQualityChecks({
        lake,
        pipeline,
        definition: job.pipeline,
        runId,
        date,
        suite,
        ...(datasetKey ? { datasetKey } : {}),
        signal,
        onProgress: job.reportProgress,
      });
      report = checked.report;
      quality = qualitySummary(report, checked.reportRef.key);
      await job.log(
        `suite ${suite.name}: score ${report.overall_score}, ${quality.failedChecks.length} failed checks, ${report.warnings.length} warnings`,
      );
    }
    const record = await finishRun({
      queues,
      lake,
      runId,
      ...(quality ? { quality } : {}),
      ending: {
        jobId: job.id,
        status: 'success',
        attempts: job.attemptsMade + 1,
        startedAt,
        ...(quality ? { result: quality } : {}),
      },
    });
    // The page is a view of the record and report: failing to write it does not fail the run.
    await writeRunReportHtml(lake, record, report).catch((error: unknown) =>
      job.log(`run report page not written: ${errorMessage(error)}`),
    );
    return {
      reportKey: quality?.reportKey ?? null,
      passed: quality?.passed ?? null,
      overallScore: quality?.overallScore ?? null,
      failedChecks: quality?.failedChecks ?? [],
      warnings: quality?.warnings ?? [],
      status: record.status,
      runKey: lakeKeys.run(pipeline, runId),
    };
  };
}
