import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler } from 'express';
import { QUEUE_NAMES, type QueueName } from '../lib/pipeline/jobs.ts';
import type { PipelineQueues } from '../lib/pipeline/queues.ts';

/** What each queue does, shown under its name in the board. */
const DESCRIPTIONS: Record<QueueName, string> = {
  ingest: 'One job per source of a run: read, validate, write the landing partition.',
  transform: "The pipeline's operations over one date, writing its datasets; parent of the run's ingestions.",
  quality: "The run's quality suite and its run record; the root job of every run flow.",
  schedule: 'Fires of the cron schedules (npm run schedule); each enqueues one run flow.',
};

/** How {@link createBullBoardRouter} mounts and restricts the board. */
export interface BullBoardOptions {
  /** Where the router is mounted (`/board`); Bull Board builds its links and asset URLs from it. */
  basePath: string;
  /** BOARD_READ_ONLY: no retry, remove, clean, pause, add or edit, in the UI or through its API. */
  readOnly: boolean;
  /** Extra links in the board's header (the run API, say). */
  links?: { text: string; url: string }[];
}

/**
 * Bull Board for every queue of the registry. Each adapter gets the queue with its prefix, so the
 * board's flow view can walk a run from the quality root down to each ingestion (the tree is read
 * through the parent/children keys BullMQ keeps under that prefix).
 *
 * Read-only mode is enforced by Bull Board's API, not only hidden in the UI: every mutating route
 * answers 405 `{ error: { key: 'ERRORS.QUEUE_READ_ONLY' } }`.
 */
export function createBullBoardRouter(queues: PipelineQueues, options: BullBoardOptions): RequestHandler {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(options.basePath);
  createBullBoard({
    queues: QUEUE_NAMES.map(
      (name) =>
        new BullMQAdapter(queues[name], {
          readOnlyMode: options.readOnly,
          // Read-only implies no retries (Bull Board enforces it too); spelled out so the intent shows.
          allowRetries: !options.readOnly,
          description: DESCRIPTIONS[name],
        }),
    ),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'lakeflow',
        miscLinks: options.links ?? [],
        // Ingestion → transform → quality is the order work flows in; keep it rather than A–Z.
        sortQueues: false,
      },
    },
  });
  return serverAdapter.getRouter() as RequestHandler;
}
