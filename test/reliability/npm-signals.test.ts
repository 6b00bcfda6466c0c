import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enqueueRuns } from '../../src/lib/pipeline/producer.ts';
import { createPipelineEnv, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { bigRun, type Events, nextEvent, openEvents, ROOT } from './support/harness.ts';
import {
  isAlive,
  type NpmScript,
  type ProcessId,
  processTree,
  startNpmScript,
  survivors,
  waitForLog,
} from './support/npm-script.ts';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis.ts';

/**
 * `kill -TERM <npm's pid>` (a supervisor stopping `npm run worker`, or a user) must reach the node
 * process. npm forwards SIGTERM to the shell it runs the script in (`sh -c`), and dash, unlike bash,
 * neither passes it on nor replaces itself with the script's last command: without `exec` in the
 * script the shell dies and node is left behind, still taking jobs.
 */

const envs: PipelineEnv[] = [];
let redis: PrivateRedis | undefined;
const subscriptions: Events[] = [];
const started: { script: NpmScript; tree: ProcessId[] }[] = [];
afterEach(async () => {
  // Whatever a failed test left running: only processes this file started (pid and start time).
  for (const { script, tree } of started.splice(0)) {
    for (const each of [...tree, ...processTree(script.pid)]) {
      if (isAlive(each)) process.kill(each.pid, 'SIGKILL');
    }
    await script.exited;
  }
  redis?.thaw(); // a frozen Redis would hang every cleanup below
  await Promise.all(subscriptions.splice(0).map((events) => events.close()));
  await Promise.all(envs.splice(0).map((env) => env.close()));
  await redis?.close();
  redis = undefined;
});

async function isolatedEnv(env: Record<string, string> = {}): Promise<PipelineEnv> {
  const pipeline = await createPipelineEnv({ workers: false, env });
  envs.push(pipeline);
  return pipeline;
}

/** Starts `npm run <script> -- <args>` as the README says, with `env` added; recorded for cleanup. */
function npmRun(
  script: string,
  args: string[],
  env: Record<string, string>,
  options: { processGroup?: boolean } = {},
): NpmScript {
  const run = startNpmScript(script, args, env, options);
  started.push({ script: run, tree: [] });
  return run;
}

/**
 * npm's process tree once the command is up (kept for cleanup too). Its node process is npm's own
 * child: the shell has replaced itself with it. `nodePid` is the pid the command logs, when it does.
 */
function treeOf(script: NpmScript, nodePid?: unknown): ProcessId[] {
  const tree = processTree(script.pid);
  const entry = started.find((each) => each.script === script);
  if (entry) entry.tree = tree;
  const children = tree.filter((each) => each.ppid === script.pid);
  expect(children).toHaveLength(1);
  if (nodePid !== undefined) expect(children[0]?.pid).toBe(nodePid);
  return tree;
}

/** Enqueues a run and resolves, with the transform's job id, once that transform is mid-stream. */
async function transformInFlight(env: PipelineEnv, date: string): Promise<string> {
  const transform = await openEvents(env.config, 'transform');
  subscriptions.push(transform);
  const midStream = nextEvent<{ jobId: string; data: unknown }>(
    transform.events,
    'progress',
    ({ data }) => (data as { stage?: string }).stage === 'rows',
  );
  await enqueueRuns(env.producer, [bigRun(date, 60_000)]);
  return (await midStream).jobId;
}

/** The in-flight job finished after the signal, and no signal forced the exit. */
async function expectDrained(env: PipelineEnv, worker: NpmScript, inFlight: string): Promise<void> {
  const signalAt = worker.logs.findIndex((entry) => String(entry.msg).startsWith('shutting down'));
  expect(signalAt, 'node got the signal').toBeGreaterThan(-1);
  const finishedAt = worker.logs.findIndex(
    (entry) => entry.msg === 'step finished' && entry.jobId === inFlight,
  );
  expect(finishedAt, 'the in-flight transform finished after the signal').toBeGreaterThan(signalAt);
  expect(worker.logs.filter((entry) => entry.msg === 'second signal: exiting now')).toEqual([]);
  expect(await env.producer.queues.transform.getJobState(inFlight)).toBe('completed');
}

/**
 * SIGTERM to npm's pid alone; npm must exit with `code`. npm waits for its child, so by then the
 * node process has exited too (with the bug, it would still be running). Anything further down,
 * such as the esbuild service tsx starts while it has sources to compile, exits when node does, a
 * moment later; those processes share npm's stdout and stderr, which close once the last has gone.
 */
async function terminate(
  script: NpmScript,
  tree: ProcessId[],
  code: number,
  signal: () => void = () => process.kill(script.pid, 'SIGTERM'),
): Promise<void> {
  signal();
  expect(await script.exited).toBe(code);
  expect(survivors(tree.filter((each) => each.pid === script.pid || each.ppid === script.pid))).toEqual([]);
  await script.closed;
  expect(survivors(tree)).toEqual([]);
}

describe('stopping `npm run …` by signal', () => {
  it('`npm run worker`: the in-flight job finishes, then node and npm exit 0, leaving no process', async () => {
    const env = await isolatedEnv();
    const worker = npmRun('worker', ['--queues', 'ingest,transform,quality', '--concurrency', '2'], {
      ...env.env,
      LOG_LEVEL: 'info',
      // A slow machine must not reach the forced exit: this test is about the signal getting there.
      SHUTDOWN_TIMEOUT_MS: '100000',
    });
    const ready = await waitForLog(worker, 'workers ready');
    const tree = treeOf(worker, ready.pid);

    const inFlight = await transformInFlight(env, '2024-03-21');

    await terminate(worker, tree, 0);
    await expectDrained(env, worker, inFlight);
  }, 120_000);

  it('Ctrl-C in a terminal (SIGINT to npm and node, then npm forwards its own): the worker drains', async () => {
    const env = await isolatedEnv();
    const worker = npmRun(
      'worker',
      ['--queues', 'ingest,transform,quality', '--concurrency', '2'],
      { ...env.env, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '100000' },
      { processGroup: true },
    );
    const ready = await waitForLog(worker, 'workers ready');
    const tree = treeOf(worker, ready.pid);
    const inFlight = await transformInFlight(env, '2024-03-23');

    // A terminal sends SIGINT to its foreground process group, npm and node; npm forwards its own
    // copy. Node gets one or two (the kernel merges a signal that arrives while one is pending);
    // either way it is one request, and the worker drains.
    await terminate(worker, tree, 0, () => process.kill(-worker.pid, 'SIGINT'));
    await expectDrained(env, worker, inFlight);
  }, 120_000);

  it('under npm, the third signal forces the exit (the second may be the first forwarded)', async () => {
    redis = await startPrivateRedis();
    const env = await isolatedEnv({ REDIS_URL: redis.url });
    const worker = npmRun('worker', [], { ...env.env, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '100000' });
    const ready = await waitForLog(worker, 'workers ready');
    const tree = treeOf(worker, ready.pid);
    redis.freeze(); // the shutdown cannot finish: only a forced exit ends it

    process.kill(worker.pid, 'SIGTERM');
    await worker.waitForLine((line) => line.includes('shutting down'));
    process.kill(worker.pid, 'SIGTERM');
    await worker.waitForLine((line) => line.includes('taken as the same request'));
    await terminate(worker, tree, 130);
    expect(worker.logs.filter((entry) => entry.msg === 'second signal: exiting now')).toHaveLength(1);
  });

  it('`npm run board`: node stops and npm exits 0, leaving no process', async () => {
    const env = await isolatedEnv();
    const board = npmRun('board', [], { ...env.env, LOG_LEVEL: 'info', BOARD_PORT: '0' });
    const listening = await waitForLog(board, 'board listening');
    const tree = treeOf(board, listening.pid);

    await terminate(board, tree, 0);
    expect(board.logs.some((entry) => String(entry.msg).startsWith('shutting down'))).toBe(true);
  });

  it('`npm run enqueue -- --wait`: node stops following the runs, and npm exits 143', async () => {
    const env = await isolatedEnv();
    // No worker serves this prefix: the run never ends, so only the signal stops the command.
    const enqueue = npmRun('enqueue', ['--date', '2024-03-22', '--wait'], env.env);
    await enqueue.waitForLine((line) => line.startsWith('enqueued: '));
    const tree = treeOf(enqueue);

    await terminate(enqueue, tree, 143); // 128 + SIGTERM's number, as a shell reports it
  });
});

describe('package.json', () => {
  it('runs each command with exec, so the signals npm forwards reach it', async () => {
    const { scripts } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const name of ['worker', 'board', 'enqueue', 'schedule', 'demo', 'bench']) {
      // The script's last command replaces the shell: `exec node …`, possibly after `export …`.
      expect(scripts[name], name).toMatch(/(^|&& )exec node /);
    }
  });
});
