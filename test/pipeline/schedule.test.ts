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
      const info = await setSchedule(
        env.producer.queues,
        {
          cron: '* * * * * *', // every second, so the test sees a fire at once
          template: { pipeline, suite, sources, dateOffsetDays: 0 },
        },
        env.producer.registry.get(pipeline),
      );
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

const registry = () => env.producer.registry;

describe('parseScheduleArgs', () => {
  it('reads set, remove and list', () => {
    const set = parseScheduleArgs(
      ['set', '--cron', '0 2 * * *', '--source', 'transactions=500', '--date-offset=-2'],
      registry(),
    );
    expect(set).toMatchObject({
      action: 'set',
      spec: { cron: '0 2 * * *', tz: 'UTC', template: { pipeline: 'sales_etl', dateOffsetDays: -2 } },
    });
    expect(set.action === 'set' && set.spec.template.sources.transactions).toMatchObject({ records: 500 });
    // A schedule of a pipeline no longer loaded can still be removed.
    expect(parseScheduleArgs(['remove', '--pipeline', 'other'], registry())).toEqual({
      action: 'remove',
      pipeline: 'other',
    });
    expect(parseScheduleArgs(['remove'], registry())).toEqual({ action: 'remove', pipeline: 'sales_etl' });
    expect(parseScheduleArgs(['list'], registry())).toEqual({ action: 'list' });
  });

  it('refuses a missing cron, an unknown action and unknown options, with the usage', () => {
    expect(() => parseScheduleArgs(['set'], registry())).toThrow(/--cron/);
    expect(() => parseScheduleArgs(['start'], registry())).toThrow(/unknown action start/);
    expect(() => parseScheduleArgs(['list', '--colour'], registry())).toThrow(ConfigError);
    expect(() => parseScheduleArgs([], registry())).toThrow(/Usage: npm run schedule/);
    expect(() => parseScheduleArgs(['set', '--cron', '0 2 * * *', '--pipeline', 'nope'], registry())).toThrow(
      /--pipeline: unknown pipeline "nope"; loaded pipelines: .*sales_etl/,
    );
    expect(() => parseScheduleArgs(['set', '--cron', '0 2 * * *', '--suite', 'nope'], registry())).toThrow(
      /--suite: pipeline sales_etl has no quality suite "nope"; its suites: notebook, pipeline/,
    );
  });
});
