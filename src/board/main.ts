import { loadConfig } from '../lib/config.ts';
import { loadPipelines } from '../lib/definition/registry.ts';
import { ConfigError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import { exitOnSignals, runByNpm } from '../workers/shutdown.ts';
import { credentialsOf } from './auth.ts';
import { BOARD_PATH, createBoardServer } from './server.ts';

/**
 * `npm run board`: Bull Board, the run API, /metrics and /healthz on BOARD_HOST:BOARD_PORT.
 * Exits 2 when it cannot start (bad configuration or pipeline definition, an unprotected public binding,
 * Redis unreachable).
 */
async function main(): Promise<void> {
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
