import { loadConfig } from '../lib/config.ts';
import { loadPipelines } from '../lib/definition/registry.ts';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import { enqueueRuns, openProducer } from '../lib/pipeline/producer.ts';
import { parseEnqueueArgs } from './enqueue-args.ts';
import { exitOnSignal } from './exit-on-signal.ts';
import { RunFollower } from './follow-runs.ts';
import { formatRunSummary } from './summary-table.ts';

/** `npm run enqueue`: one flow per date; with --wait, follows them and exits 0 only if all succeed. */
async function main(): Promise<number> {
  const config = loadConfig();
  const registry = await loadPipelines(config.PIPELINES_DIR);
  const request = parseEnqueueArgs(process.argv.slice(2), registry);
  const producer = await openProducer(config, registry);
  let follower: RunFollower | undefined;
  try {
    if (request.wait) {
      follower = await RunFollower.open(producer, ({ runId, step, event, detail }) =>
        console.log(
          `${event === 'completed' ? 'ok  ' : 'FAIL'} ${runId} ${step}${detail ? `: ${detail}` : ''}`,
        ),
      );
    }
    const enqueued = await enqueueRuns(producer, request.runs);
    for (const { runId, created } of enqueued) {
      console.log(`${created ? 'enqueued' : 'already enqueued (nothing added)'}: ${runId}`);
    }
    if (!follower) return 0;
    const outcomes = await follower.wait(
      enqueued.map(({ runId }) => runId),
      request.timeoutMs,
    );
    console.log(`\n${formatRunSummary(outcomes)}`);
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
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
