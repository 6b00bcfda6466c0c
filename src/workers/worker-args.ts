import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/errors.ts';
import { QUEUE_NAMES, type QueueName } from '../lib/pipeline/jobs.ts';

export const USAGE = `Usage: npm run worker -- [--queues ingest,transform,quality] [--concurrency N] [--heartbeat FILE] [--help]

Serves the named queues (default: all) until SIGTERM/SIGINT. Start as many as you like, on any
machine that reaches the same Redis and lake: they share the work. With --heartbeat, rewrites FILE
every 10 s while Redis answers; node dist/src/workers/healthcheck.js FILE checks it is fresh.`;

/** Parses the worker's command line; throws ConfigError with the usage on bad input. */
export function parseWorkerArgs(argv: string[], defaultConcurrency: number) {
  let values: { queues?: string; concurrency?: string; heartbeat?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        queues: { type: 'string' },
        concurrency: { type: 'string' },
        heartbeat: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${USAGE}`, { code: 'ARGS_INVALID', cause: error });
  }
  // Help wins over any other mistake on the line.
  if (values.help)
    return { queues: [...QUEUE_NAMES], concurrency: defaultConcurrency, heartbeat: undefined, help: true };
  const queues = (values.queues ?? QUEUE_NAMES.join(',')).split(',').map((name) => name.trim());
  const unknown = queues.filter((name) => !QUEUE_NAMES.includes(name as QueueName));
  if (unknown.length > 0 || queues.length === 0) {
    throw new ConfigError(`unknown queue(s): ${unknown.join(', ')}; known: ${QUEUE_NAMES.join(', ')}`, {
      code: 'ARGS_INVALID',
    });
  }
  const concurrency = values.concurrency === undefined ? defaultConcurrency : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ConfigError(`--concurrency must be a positive integer, got ${values.concurrency}`, {
      code: 'ARGS_INVALID',
    });
  }
  return {
    queues: [...new Set(queues)] as QueueName[],
    concurrency,
    heartbeat: values.heartbeat,
    help: false,
  };
}
