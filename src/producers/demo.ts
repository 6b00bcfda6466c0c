import path from 'node:path';
import { parseArgs } from 'node:util';
import { type PrivateRedis, redisAnswers, startPrivateRedis } from '../dev/local-redis.ts';
import { startWorkerProcess, type WorkerProcess } from '../dev/worker-process.ts';
import { type Config, loadConfig } from '../lib/config.ts';
import { loadPipelines } from '../lib/definition/registry.ts';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import { newRerunTag } from '../lib/pipeline/lifecycle.ts';
import { enqueueRuns, openProducer } from '../lib/pipeline/producer.ts';
import { printDemoReport } from './demo-report.ts';
import { demoRuns } from './demo-runs.ts';
import { RunFollower, type RunOutcome } from './follow-runs.ts';
import { choosePipeline } from './run-template.ts';

const WORKERS = 2;
const USAGE = `Usage: npm run demo -- [--pipeline NAME] [--help]

Runs a loaded pipeline (default: the only one, else sales_etl) on two worker processes with its
generators, as the notebook does: three days (dimensions ingested on the first only), then a final run
with the pipeline's second quality suite if it has one; prints what the notebook printed.`;

/**
 * `npm run demo`: the notebook's story on real workers, for sales_etl by default or any loaded
 * pipeline. Starts two worker processes (and a private Redis if none answers), enqueues the runs of
 * {@link demoRuns} wave by wave, and prints the report from the lake.
 */
async function main(): Promise<number> {
  let values: { pipeline?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { pipeline: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    throw new ConfigError(`${errorMessage(error)}\n\n${USAGE}`, { code: 'ARGS_INVALID' });
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let config: Config = loadConfig();
  const registry = await loadPipelines(config.PIPELINES_DIR);
  const pipeline = choosePipeline(
    values.pipeline,
    registry,
    (message) => new ConfigError(`${message}\n\n${USAGE}`),
  );
  const rerunTag = newRerunTag(); // every demo runs afresh instead of finding its runs already done
  const waves = demoRuns(pipeline, rerunTag);

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
  const producer = await openProducer(config, registry);
  const follower = await RunFollower.open(producer);
  try {
    const env = {
      REDIS_URL: config.REDIS_URL,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      LAKE_URL: config.LAKE_URL,
      // Workers run from the repository root: the same directory, whatever this process's cwd.
      PIPELINES_DIR: path.resolve(config.PIPELINES_DIR),
    };
    for (let i = 0; i < WORKERS; i++) workers.push(await startWorkerProcess(env));
    console.log(
      `Pipeline ${pipeline.name}: started ${WORKERS} worker processes (pids ${workers.map((w) => w.pid).join(', ')}); lake at ${producer.lake.storage.url}`,
    );
    const outcomes: RunOutcome[] = [];
    for (const wave of waves) {
      const enqueued = await enqueueRuns(producer, wave);
      for (const { runId } of enqueued) console.log(`enqueued ${runId}`);
      outcomes.push(
        ...(await follower.wait(
          enqueued.map(({ runId }) => runId),
          120_000,
        )),
      );
    }
    await printDemoReport(producer.lake, pipeline.name, outcomes);
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
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
