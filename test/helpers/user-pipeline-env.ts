import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Processes } from '../reliability/support/harness.ts';
import { createPipelineEnv, type PipelineEnv } from './pipeline-env.ts';
import { writePipelinesDir } from './test-pipelines.ts';

/** User pipelines served by one real worker process, with a directory for input files. */
export interface UserPipelineEnv {
  /** The environment of the worker and of `npm run enqueue` (PIPELINES_DIR, queue prefix, lake). */
  env: PipelineEnv;
  /** A temporary directory for the runs' input files. */
  inputs: string;
  /** Stops the worker and removes the pipelines, the inputs, the lake and the queues. */
  close(): Promise<void>;
}

/**
 * Writes `definitions` (name → module text) into a temporary PIPELINES_DIR and starts a worker
 * process on it, in a queue prefix and lake of their own.
 */
export async function startUserPipelines(definitions: Record<string, string>): Promise<UserPipelineEnv> {
  const processes = new Processes();
  const inputs = await mkdtemp(path.join(tmpdir(), 'lakeflow-inputs-'));
  const dir = await writePipelinesDir(definitions);
  const env = await createPipelineEnv({ workers: false, env: { PIPELINES_DIR: dir.dir } });
  await processes.worker(env.env);
  return {
    env,
    inputs,
    async close() {
      await processes.killAll();
      await env.close();
      await dir.cleanup();
      await rm(inputs, { recursive: true, force: true });
    },
  };
}
