import { loadConfig } from '../lib/config.ts';
import { errorMessage } from '../lib/errors.ts';
import type { InputSpec } from '../lib/pipeline/jobs.ts';
import { enqueueRuns, openProducer } from '../lib/pipeline/producer.ts';
import { newRerunTag, type RunSpec } from '../lib/pipeline/run-spec.ts';
import { startWorkerProcess, type WorkerProcess } from '../workers/spawn.ts';
import { printDemoReport } from './demo-report.ts';
import { RunFollower, type RunOutcome } from './follow-runs.ts';
import { type PrivateRedis, redisAnswers, startPrivateRedis } from './local-redis.ts';

const WORKERS = 2;
const generate = (records?: number): InputSpec => ({
  kind: 'generate',
  seed: 42,
  defects: { nullRegions: 0.02, duplicateIds: 0.01, negativeAmounts: 0.005, messyProducts: 0.05 },
  ...(records === undefined ? {} : { records }),
});

/**
 * `npm run demo`: the notebook's story on real workers. Starts two worker processes, ingests
 * transactions for three days (dimensions once, on the first), transforms and checks them, then runs
 * the notebook's final pipeline run, and prints what the notebook printed, from the lake.
 */
async function main(): Promise<number> {
  let config = loadConfig();
  let privateRedis: PrivateRedis | undefined;
  if (!(await redisAnswers(config.REDIS_URL))) {
    privateRedis = await startPrivateRedis();
    if (!privateRedis)
      throw new Error(`no Redis answers at ${config.REDIS_URL} and redis-server is not installed`);
    console.log(
      `No Redis at ${config.REDIS_URL}; started a private one at ${privateRedis.url} for this demo.`,
    );
    config = { ...config, REDIS_URL: privateRedis.url };
  }
  const workers: WorkerProcess[] = [];
  // Ctrl-C mid-demo still stops the worker processes and the private Redis.
  const stopChildren = async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await privateRedis?.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopChildren().finally(() => process.exit(130)));
  }
  const producer = await openProducer(config);
  const follower = await RunFollower.open(producer);
  try {
    const env = { REDIS_URL: config.REDIS_URL, QUEUE_PREFIX: config.QUEUE_PREFIX, LAKE_URL: config.LAKE_URL };
    for (let i = 0; i < WORKERS; i++) workers.push(await startWorkerProcess(env));
    console.log(
      `Started ${WORKERS} worker processes (pids ${workers.map((w) => w.pid).join(', ')}); lake at ${producer.lake.storage.url}`,
    );

    // A re-run tag, so every demo runs afresh instead of finding its runs already done.
    const rerunTag = newRerunTag();
    const run = (date: string, sources: RunSpec['sources'], suite: string): RunSpec => ({
      pipeline: 'sales_etl',
      date,
      sources,
      suite,
      rerunTag,
    });
    const waitFor = async (specs: RunSpec[]) => {
      const enqueued = await enqueueRuns(producer, specs);
      for (const { runId } of enqueued) console.log(`enqueued ${runId}`);
      return follower.wait(
        enqueued.map(({ runId }) => runId),
        120_000,
      );
    };
    // Part 2: three days of transactions; customers and products once, on the first day. The later
    // days join that snapshot, so the first run ends before they start.
    const outcomes: RunOutcome[] = [];
    outcomes.push(
      ...(await waitFor([
        run(
          '2024-01-15',
          { transactions: generate(500), customers: generate(200), products: generate() },
          'notebook',
        ),
      ])),
    );
    outcomes.push(
      ...(await waitFor(
        ['2024-01-16', '2024-01-17'].map((date) => run(date, { transactions: generate(500) }, 'notebook')),
      )),
    );
    // Part 5: the notebook's pipeline run, with its three-check suite.
    outcomes.push(
      ...(await waitFor([
        run(
          '2024-01-20',
          { transactions: generate(300), customers: generate(100), products: generate() },
          'pipeline',
        ),
      ])),
    );

    await printDemoReport(producer.lake, outcomes);
    return outcomes.some((outcome) => outcome.status === 'failed' || outcome.status === 'timeout') ? 1 : 0;
  } finally {
    await follower.close();
    await producer.close();
    await stopChildren();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo: ${errorMessage(error)}`);
    process.exit(1);
  },
);
