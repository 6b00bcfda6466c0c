import { loadConfig } from '../lib/config.ts';
import { loadPipelines } from '../lib/definition/registry.ts';
import { ConfigError, errorMessage, InputError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import { enqueueRuns, openProducer, queuesWithoutWorkers } from '../lib/pipeline/producer.ts';
import { checkRetryFiles, ENQUEUE_USAGE, parseEnqueueArgs } from './enqueue-args.ts';
import { exitOnSignal } from './exit-on-signal.ts';
import { RunFollower } from './follow-runs.ts';
import { describeRetryPlan, selectRetries } from './retry-failed.ts';
import { helpRequested } from './run-template.ts';
import { splitIntoRuns } from './split-runs.ts';
import { formatRunSummary } from './summary-table.ts';

/**
 * `npm run enqueue`: one flow per date; with --wait, follows them and exits 0 only if all succeed.
 * With --retry-failed, only the dates whose latest run ended failed or partial, followed as with
 * --wait (0 also when there was nothing to re-run).
 * Exits 2, having enqueued nothing, for a request it refuses: bad arguments, unknown names, a missing
 * file, or a run that exists with other options.
 */
async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (helpRequested(argv)) {
    console.log(ENQUEUE_USAGE);
    return 0;
  }
  const config = loadConfig();
  const registry = await loadPipelines(config.PIPELINES_DIR);
  const request = parseEnqueueArgs(argv, registry);
  const producer = await openProducer(config, registry);
  let follower: RunFollower | undefined;
  try {
    if (request.split) {
      request.runs = await splitIntoRuns(
        producer.lake,
        registry.get(request.split.template.pipeline),
        request.split,
      );
      const dates = request.runs.map((run) => run.date);
      console.log(
        `split ${request.split.source}: ${dates.length} date(s), ${dates[0] ?? '-'} to ${dates.at(-1) ?? '-'}`,
      );
    }
    if (request.retryFailed) {
      const plan = await selectRetries(producer, request.runs, logger);
      for (const line of describeRetryPlan(plan, request.runs[0]?.pipeline ?? '-')) console.log(line);
      checkRetryFiles(plan.runs);
      request.runs = plan.runs;
      if (plan.runs.length === 0) {
        console.log('nothing to re-run');
        return 0;
      }
    }
    if (request.wait) {
      follower = await RunFollower.open(producer, ({ runId, step, event, detail, warnings }) =>
        console.log(
          `${event === 'completed' ? 'ok  ' : 'FAIL'} ${runId} ${step}${detail ? `: ${detail}` : ''}${warnings ? `; warnings: ${warnings.join(', ')}` : ''}`,
        ),
      );
    }
    const enqueued = await enqueueRuns(producer, request.runs);
    let changed = false;
    for (const { runId, created, differences } of enqueued) {
      if (differences.length > 0) {
        // Only a producer that lost a race to add the same run gets here (found before adding, the
        // whole call is refused).
        changed = true;
        console.error(
          `run ${runId} was enqueued meanwhile with other options (yours were not used):\n${differences.map((d) => `  - ${d}`).join('\n')}\nTo run its date again with yours, enqueue with --rerun.`,
        );
      } else {
        console.log(`${created ? 'enqueued' : 'already enqueued (nothing added)'}: ${runId}`);
      }
    }
    if (!follower) return changed ? 2 : 0;
    const idle = await queuesWithoutWorkers(producer);
    if (idle.length > 0) {
      console.error(
        `warning: no worker is serving queue${idle.length > 1 ? 's' : ''} ${idle.join(', ')} (QUEUE_PREFIX ${config.QUEUE_PREFIX}); the runs wait until one starts (npm run worker, with the same REDIS_URL, QUEUE_PREFIX and LAKE_URL). Waiting…`,
      );
    }
    const outcomes = await follower.wait(
      enqueued.map(({ runId }) => runId),
      request.timeoutMs,
    );
    console.log(`\n${formatRunSummary(outcomes)}`);
    if (changed) return 2;
    return outcomes.every((outcome) => outcome.status === 'success') ? 0 : 1;
  } finally {
    await follower?.close();
    await producer.close();
  }
}

exitOnSignal();
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`enqueue: ${errorMessage(error)}`);
    // A refused request (bad arguments, unknown names, a run that exists with other options): 2.
    process.exit(error instanceof ConfigError || error instanceof InputError ? 2 : 1);
  },
);
