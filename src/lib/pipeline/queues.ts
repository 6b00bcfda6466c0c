import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type JobPayload, type JobResult, QUEUE_NAMES, type QueueName } from './jobs.ts';

/** A BullMQ queue typed by the registry: `add` takes that queue's payload, results are its result. */
export type PipelineQueue<Q extends QueueName> = Queue<JobPayload<Q>, JobResult<Q>, string>;
export type PipelineQueues = { [Q in QueueName]: PipelineQueue<Q> };

/**
 * Opens one `Queue` per pipeline queue on a shared connection. Close them with {@link closeQueues};
 * the connection stays open (its owner closes it).
 * @param prefix BullMQ key prefix (QUEUE_PREFIX)
 */
export function openQueues(connection: Redis, prefix: string): PipelineQueues {
  const entries = QUEUE_NAMES.map((name) => [name, new Queue(name, { connection, prefix })]);
  return Object.fromEntries(entries) as PipelineQueues;
}

/** Closes every queue, attempting all even if one fails. */
export async function closeQueues(queues: PipelineQueues): Promise<void> {
  const results = await Promise.allSettled(Object.values(queues).map((queue) => queue.close()));
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
}

/** Deletes every Redis key under a BullMQ prefix (a test's or a benchmark's own queues). */
export async function deleteQueueKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
