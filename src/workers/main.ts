import { loadConfig } from '../lib/config.ts';
import { ConfigError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import { tuneGarbageCollector } from './gc-tuning.ts';
import { startWorkerRuntime } from './runtime.ts';
import { exitOnSignals } from './shutdown.ts';
import { parseWorkerArgs, USAGE } from './worker-args.ts';

async function main(): Promise<void> {
  tuneGarbageCollector();
  const config = loadConfig();
  const args = parseWorkerArgs(process.argv.slice(2), config.WORKER_CONCURRENCY);
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const runtime = await startWorkerRuntime(config, {
    queues: args.queues,
    concurrency: args.concurrency,
    onShutdownTimeout: () => process.exit(1),
  });
  exitOnSignals(runtime.shutdown, logger);
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
