import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QualityPayload } from '../../src/lib/pipeline/jobs.ts';
import { jobIds } from '../../src/lib/pipeline/lifecycle.ts';
import { closeQueues, openQueues, type PipelineQueues } from '../../src/lib/pipeline/queues.ts';
import { createRedis, waitUntilReady } from '../../src/lib/redis.ts';
import { REDIS_URL } from '../helpers/pipeline-env.ts';
import { type BoardEnv, startBoard } from './board-env.ts';

const RUN_ID = 'sales_etl-2024-01-20';
const JOB_ID = jobIds.quality(RUN_ID);
const payload: QualityPayload = {
  runId: RUN_ID,
  pipeline: 'sales_etl',
  date: '2024-01-20',
  suite: 'pipeline',
  sources: ['transactions'],
};

interface QueuesBody {
  queues: {
    name: string;
    readOnlyMode: boolean;
    allowRetries: boolean;
    counts: Record<string, number>;
    jobs: { id: string }[];
  }[];
}

/** A board plus a producer connection of the test's own, to put jobs where the board can see them. */
async function boardWithQueues(env: Record<string, string>) {
  const board = await startBoard({ env });
  const connection = createRedis(REDIS_URL, 'producer');
  await waitUntilReady(connection);
  const queues = openQueues(connection, board.config.QUEUE_PREFIX);
  return {
    board,
    queues,
    async close() {
      await closeQueues(queues);
      connection.disconnect();
      await board.close();
    },
  };
}

describe('Bull Board', () => {
  let board: BoardEnv;
  let queues: PipelineQueues;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ board, queues, close } = await boardWithQueues({}));
    await queues.quality.add('quality', payload, { jobId: JOB_ID });
  });
  afterAll(async () => {
    await close?.();
  });

  it('shows every pipeline queue, in pipeline order, with job counts', async () => {
    const { status, body } = await board.json<QueuesBody>(
      '/board/api/queues?activeQueue=quality&status=waiting&page=1',
    );
    expect(status).toBe(200);
    expect(body.queues.map((queue) => queue.name)).toEqual(['ingest', 'transform', 'quality', 'schedule']);
    const quality = body.queues.find((queue) => queue.name === 'quality');
    expect(quality?.counts.waiting).toBe(1);
    expect(quality?.jobs.map((job) => job.id)).toEqual([JOB_ID]);
    expect(quality).toMatchObject({ readOnlyMode: false, allowRetries: true });
  });

  it('serves its UI under /board with the lakeflow title', async () => {
    const page = await board.request('/board/queue/quality');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>lakeflow</title>');
    expect(html).toContain('<base href="/board/"');
  });

  it('writable: removing a job works (the contrast to read-only below)', async () => {
    await queues.quality.add('quality', payload, { jobId: 'throwaway' });
    const response = await board.request('/board/api/queues/quality/throwaway/clean', { method: 'PUT' });
    expect(response.status).toBe(204);
    expect(await queues.quality.getJob('throwaway')).toBeUndefined();
  });
});

describe('Bull Board in read-only mode', () => {
  let board: BoardEnv;
  let queues: PipelineQueues;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ board, queues, close } = await boardWithQueues({ BOARD_READ_ONLY: 'true' }));
    await queues.quality.add('quality', payload, { jobId: JOB_ID });
  });
  afterAll(async () => {
    await close?.();
  });

  it('tells the UI every queue is read-only, retries off', async () => {
    const { body } = await board.json<QueuesBody>('/board/api/queues');
    expect(body.queues).toHaveLength(4);
    for (const queue of body.queues) expect(queue).toMatchObject({ readOnlyMode: true, allowRetries: false });
  });

  it.each([
    ['PUT', `/board/api/queues/quality/${JOB_ID}/retry`, 'retry a job'],
    ['PUT', '/board/api/queues/quality/retry/failed', 'retry all failed'],
    ['PUT', `/board/api/queues/quality/${JOB_ID}/clean`, 'remove a job'],
    ['PUT', '/board/api/queues/quality/clean/completed', 'clean completed'],
    ['PUT', '/board/api/queues/quality/clean/failed', 'clean failed'],
    ['PUT', '/board/api/queues/quality/empty', 'empty the queue'],
    ['PUT', '/board/api/queues/quality/obliterate', 'obliterate the queue'],
    ['PUT', '/board/api/queues/quality/pause', 'pause the queue'],
    ['POST', '/board/api/queues/quality/add', 'add a job'],
  ])('%s %s (%s): 405 QUEUE_READ_ONLY', async (method, pathname) => {
    const response = await board.request(pathname, { method, body: { name: 'x', data: {} } });
    expect(response.status).toBe(405);
    expect(await response.json()).toEqual({ error: { key: 'ERRORS.QUEUE_READ_ONLY' } });
  });

  it('leaves the job where it was, and still lets you look at it', async () => {
    expect(await (await queues.quality.getJob(JOB_ID))?.getState()).toBe('waiting');
    const job = await board.json<{ job: { id: string } }>(`/board/api/queues/quality/${JOB_ID}`);
    expect(job.status).toBe(200);
    expect(job.body.job.id).toBe(JOB_ID);
    expect((await board.request(`/board/api/queues/quality/${JOB_ID}/logs`)).status).toBe(200);
  });
});

describe('/healthz and /metrics when Redis stops answering', () => {
  let board: BoardEnv | undefined;
  let connection: Redis | undefined;
  afterEach(async () => {
    await board?.close();
    connection?.disconnect();
  });

  it('the board does not start when Redis does not answer, and says where it looked', async () => {
    // Nothing listens on port 1: the producer connection fails at once instead of waiting.
    const error = await startBoard({ env: { REDIS_URL: 'redis://127.0.0.1:1' } }).catch((caught) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/cannot reach Redis at 127\.0\.0\.1:1/);
  });

  it('/healthz: 200 while Redis answers PING, 503 once it does not; /metrics: 503', async () => {
    // The board's own connection, handed in so the test can cut it (Redis itself stays up for others).
    const own = createRedis(REDIS_URL, 'producer');
    own.on('error', () => undefined);
    await waitUntilReady(own);
    connection = own;
    board = await startBoard({ deps: { connection: own } });
    expect(await board.json('/healthz', { as: 'nobody' })).toEqual({ status: 200, body: { redis: 'ok' } });

    own.disconnect(); // no reconnect after a manual disconnect
    const down = await board.json<{ redis: string; error: string }>('/healthz', { as: 'nobody' });
    expect(down.status).toBe(503);
    expect(down.body.redis).toBe('unreachable');
    // ioredis' wording varies with the moment of the cut (closed connection, unwritable stream).
    expect(down.body.error).toMatch(/\S/);
    const metrics = await board.request('/metrics');
    expect(metrics.status).toBe(503);
    expect(await metrics.text()).toMatch(/^metrics unavailable: /);
  });
});
