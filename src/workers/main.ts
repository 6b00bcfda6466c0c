import { loadConfig } from '../lib/config.ts';
import { ConfigError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import { tuneGarbageCollector } from './gc-tuning.ts';
import { startHeartbeat } from './heartbeat.ts';
import { startWorkerRuntime } from './runtime.ts';
import { exitOnSignals, runByNpm } from './shutdown.ts';
import { parseWorkerArgs, USAGE } from './worker-args.ts';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // Usage before configuration: --help answers even where the environment is not set up yet.
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  tuneGarbageCollector();
  const config = loadConfig();
  const args = parseWorkerArgs(argv, config.WORKER_CONCURRENCY);
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const runtime = await startWorkerRuntime(config, {
    queues: args.queues,
    concurrency: args.concurrency,
    onShutdownTimeout: () => process.exit(1),
  });
  const heartbeat = args.heartbeat ? startHeartbeat(args.heartbeat, runtime.ping, logger) : undefined;
  const shutdown = () => {
    heartbeat?.stop();
    return runtime.shutdown();
  };
  exitOnSignals(shutdown, logger, { runByNpm: runByNpm('worker') });
  // The first beat comes before 'workers ready', so health checks pass from then on; a file that
  // cannot be written stops the worker here, cleanly, instead of leaving it unhealthy for good.
  await heartbeat?.beat().catch(async (error: unknown) => {
    await shutdown();
    throw error;
  });
  logger.info(
    {
      queues: args.queues,
      concurrency: args.concurrency,
      prefix: config.QUEUE_PREFIX,
      pipelines: runtime.registry.names,
    },
    'workers ready',
  );
}

// A bad configuration or pipeline definition (ConfigError: the file and the problem) is one message
// on stderr and exit code 2.
main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`worker: ${error.message}`);
  else logger.fatal({ err: error }, 'worker failed to start');
  process.exit(2);
});
