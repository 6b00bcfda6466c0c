/** Worker processes for tests, the bench and the demo (never on a worker's own path). */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENTRY = path.join(ROOT, 'src/workers/main.ts');
/** The same entry point compiled by `npm run build`. */
const DIST_ENTRY = path.join(ROOT, 'dist/src/workers/main.js');

/**
 * V8's old-space limit for worker processes (MB), as `npm run worker` sets it; a `--max-old-space-size`
 * in NODE_OPTIONS or `nodeArgs` wins. V8 sizes its heap from the limit: under the default (about 4 GB
 * here) a worker's peak RSS in the 1M-row bench was about 215 MB, with this one 155-177 MB
 * (docs/performance.md).
 */
export const WORKER_HEAP_LIMIT_MB = 1024;

/** How {@link startWorkerProcess} runs the worker. */
export interface WorkerSpawnOptions {
  /**
   * `tsx` (default) runs the TypeScript sources, as `npm run worker` does; `dist` runs the tsc build
   * (`npm run build` first), which spares tsx's loader thread and transpiler, about 35 MB of RSS.
   */
  runner?: 'tsx' | 'dist';
  /** Extra node flags, e.g. `--cpu-prof` for a profile of the worker. */
  nodeArgs?: string[];
}

/** A worker started as users start it (`src/workers/main.ts` under tsx), in a process of its own. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Every JSON log line the process printed so far. */
  logs: Record<string, unknown>[];
  /** Resolves with the exit code (or the signal's name) once the process has exited and its output is read. */
  exited: Promise<number | string>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  /**
   * Resolves with the first log entry, already printed or still to come, that `match` accepts; rejects
   * when the process exits first or after `timeoutMs` (default 30 s), so a test never waits blindly.
   */
  waitForLog(
    match: (entry: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

/**
 * Spawns `npm run worker`'s entry point with `env` added to this process's environment, resolving
 * once it logs `workers ready`; rejects with its stderr if it exits first.
 */
export async function startWorkerProcess(
  env: Record<string, string>,
  args: string[] = [],
  options: WorkerSpawnOptions = {},
): Promise<WorkerProcess> {
  const entry = options.runner === 'dist' ? [DIST_ENTRY] : ['--import', 'tsx', ENTRY];
  const nodeArgs = options.nodeArgs ?? [];
  const heapSet = [...nodeArgs, process.env.NODE_OPTIONS ?? '', env.NODE_OPTIONS ?? ''].some((arg) =>
    arg.includes('--max-old-space-size'),
  );
  const heapArgs = heapSet ? [] : [`--max-old-space-size=${WORKER_HEAP_LIMIT_MB}`];
  const child = spawn(process.execPath, [...heapArgs, ...nodeArgs, ...entry, ...args], {
    cwd: ROOT,
    // At least `info`: readiness is read from the log. (An IPC channel would not do: tsx's loader
    // takes a child's IPC channel for itself and the child never starts.)
    env: {
      ...process.env,
      // The build's pipelines are compiled with it (node alone does not load .ts on every LTS).
      ...(options.runner === 'dist' ? { PIPELINES_DIR: path.join(ROOT, 'dist/pipelines') } : {}),
      ...env,
      LOG_LEVEL: env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace' ? env.LOG_LEVEL : 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const lines = new EventEmitter();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // 'close', not 'exit': it comes once stdout has been read to the end, so `logs` then holds every
  // line the process printed, its last words included.
  const exited = once(child, 'close').then(([code, signal]) => (code ?? signal) as number | string);
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not a log line
      }
      logs.push(entry);
      lines.emit('entry', entry);
      if (entry.msg === 'workers ready') resolve();
    });
    void exited.then((code) => reject(new Error(`worker exited (${code}) before it was ready: ${stderr}`)));
  });
  return {
    child,
    pid: child.pid as number,
    logs,
    exited,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    waitForLog(match, timeoutMs = 30_000) {
      const seen = logs.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const onEntry = (entry: Record<string, unknown>) => {
          if (!match(entry)) return;
          cleanup();
          resolve(entry);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`worker ${child.pid}: no matching log line within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          lines.off('entry', onEntry);
        };
        lines.on('entry', onEntry);
        void exited.then((code) => {
          cleanup();
          reject(new Error(`worker ${child.pid} exited (${code}) before a matching log line: ${stderr}`));
        });
      });
    },
  };
}
