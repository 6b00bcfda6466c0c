import { QueueEvents } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/lib/errors.ts';
import { listSchedules, removeSchedule, setSchedule } from '../../src/lib/pipeline/schedules.ts';
import { createRedis } from '../../src/lib/redis.ts';
import { parseScheduleArgs } from '../../src/producers/schedule-args.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';

let env: PipelineEnv;
beforeEach(async () => {
  env = await createPipelineEnv();
});
afterEach(async () => {
  await env.close();
});

describe('schedules', () => {
  it('turns a cron fire into the same run flow as an enqueue, and can be removed', async () => {
    const connection = createRedis(env.config.REDIS_URL, 'worker');
    const events = new QueueEvents('schedule', { connection, prefix: env.config.QUEUE_PREFIX });
    await events.waitUntilReady();
    try {
      const fired = new Promise<{ runId: string; date: string }>((resolve) => {
        events.on('completed', ({ returnvalue }) =>
          resolve(returnvalue as unknown as { runId: string; date: string }),
        );
      });
      const { sources, suite, pipeline } = generatedRun('2024-01-20');
      const info = await setSchedule(env.producer.queues, {
        cron: '* * * * * *', // every second, so the test sees a fire at once
        template: { pipeline, suite, sources, dateOffsetDays: 0 },
      });
      expect(info).toMatchObject({ pipeline: 'sales_etl', cron: '* * * * * *', tz: 'UTC' });
      expect(info.next).not.toBeNull();

      const { runId, date } = await fired;
      expect(runId).toBe(`sales_etl-${date}`);
      const [outcome] = await env.follower.wait([runId], 30_000);
      expect(outcome?.status).toBe('success');
      expect(outcome?.record?.steps.map((step) => step.jobId)).toEqual([
        `${runId}-ingest-transactions`,
        `${runId}-ingest-customers`,
        `${runId}-ingest-products`,
        `${runId}-transform`,
        `${runId}-quality`,
      ]);

      expect(await removeSchedule(env.producer.queues, 'sales_etl')).toBe(true);
      expect(await listSchedules(env.producer.queues)).toEqual([]);
      expect(await removeSchedule(env.producer.queues, 'sales_etl')).toBe(false);
    } finally {
      await events.close();
      connection.disconnect();
    }
  });
});

describe('parseScheduleArgs', () => {
  it('reads set, remove and list', () => {
    const set = parseScheduleArgs([
      'set',
      '--cron',
      '0 2 * * *',
      '--transactions',
      '500',
      '--date-offset=-2',
    ]);
    expect(set).toMatchObject({
      action: 'set',
      spec: { cron: '0 2 * * *', tz: 'UTC', template: { pipeline: 'sales_etl', dateOffsetDays: -2 } },
    });
    expect(set.action === 'set' && set.spec.template.sources.transactions).toMatchObject({ records: 500 });
    expect(parseScheduleArgs(['remove', '--pipeline', 'other'])).toEqual({
      action: 'remove',
      pipeline: 'other',
    });
    expect(parseScheduleArgs(['list'])).toEqual({ action: 'list' });
  });

  it('refuses a missing cron, an unknown action and unknown options, with the usage', () => {
    expect(() => parseScheduleArgs(['set'])).toThrow(/--cron/);
    expect(() => parseScheduleArgs(['start'])).toThrow(/unknown action start/);
    expect(() => parseScheduleArgs(['list', '--colour'])).toThrow(ConfigError);
    expect(() => parseScheduleArgs([])).toThrow(/Usage: npm run schedule/);
  });
});
