import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import { loadPipelines } from '../lib/definition/registry.ts';
import { ConfigError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import { exitOnSignals, runByNpm } from '../workers/shutdown.ts';
import { credentialsOf } from './auth.ts';
import { BOARD_PATH, createBoardServer } from './server.ts';

const USAGE = `Usage: npm run board [-- --help]

Serves Bull Board at /board/, the run API at /api/runs, /metrics and /healthz on BOARD_HOST:BOARD_PORT
(default 127.0.0.1:3000), for the queues of QUEUE_PREFIX on REDIS_URL and the lake at LAKE_URL. It takes
no options: the environment configures it (BOARD_USER / BOARD_PASSWORD or BOARD_TOKEN protect it;
any host but loopback requires them; BOARD_READ_ONLY hides retry, remove and clean). See README.md.`;

/** `--help` / `-h` anywhere on the line. */
function helpRequested(argv: string[]): boolean {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: false,
      allowPositionals: true,
      options: { help: { type: 'boolean', short: 'h' } },
    });
    return values.help === true;
  } catch {
    return false;
  }
}

/**
 * `npm run board`: Bull Board, the run API, /metrics and /healthz on BOARD_HOST:BOARD_PORT.
 * Exits 2 when it cannot start (bad configuration or pipeline definition, an unprotected public binding,
 * Redis unreachable).
 */
async function main(): Promise<void> {
  if (helpRequested(process.argv.slice(2))) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  const registry = await loadPipelines(config.PIPELINES_DIR);
  const board = await createBoardServer(config, { registry, onShutdownTimeout: () => process.exit(1) });
  exitOnSignals(board.stop, logger, { runByNpm: runByNpm('board') });
  try {
    const url = await board.start();
    logger.info(
      {
        url: `${url}${BOARD_PATH}/`,
        prefix: config.QUEUE_PREFIX,
        pipelines: registry.names,
        auth: credentialsOf(config) ? 'required' : 'off (loopback only)',
        readOnly: config.BOARD_READ_ONLY,
      },
      'board listening',
    );
  } catch (error) {
    await board.stop();
    throw error;
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`board: ${error.message}`);
  else logger.fatal({ err: error }, 'board failed to start');
  process.exit(2);
});
