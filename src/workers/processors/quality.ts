import { finishRun } from '../../lib/pipeline/run-record.ts';
import { runQualityChecks } from '../../lib/quality/run-checks.ts';
import { parseChildResult, type StepProcessor, type WorkerDeps } from '../step.ts';

/** Runs the quality suite on the enriched partition, then writes the run record (this is the root step). */
export function qualityProcessor({ lake, queues }: WorkerDeps): StepProcessor<'quality'> {
  return async (job, signal) => {
    const startedAt = Date.now();
    const { runId, date, suite } = job.data;
    const [transformValue] = Object.values(await job.childrenValues());
    const transformed = parseChildResult('transform', transformValue);
    const { report, reportRef } = await runQualityChecks({
      lake,
      runId,
      date,
      suite,
      datasetKey: transformed.outputs.enriched.key,
      signal,
      onProgress: job.reportProgress,
    });
    const failedChecks = report.check_results
      .filter((check) => check.status !== 'PASS' && check.severity === 'error')
      .map((check) => check.check_name);
    await job.log(`suite ${suite}: score ${report.overall_score}, ${failedChecks.length} failed checks`);
    const quality = {
      passed: report.passed,
      overallScore: report.overall_score,
      failedChecks,
      reportKey: reportRef.key,
    };
    const record = await finishRun({
      queues,
      lake,
      runId,
      quality,
      ending: {
        jobId: job.id,
        status: 'success',
        attempts: job.attemptsMade + 1,
        startedAt,
        result: quality,
      },
    });
    return {
      reportKey: reportRef.key,
      passed: report.passed,
      overallScore: report.overall_score,
      failedChecks,
      status: record.status,
      runKey: `runs/${runId}.json`,
    };
  };
}
