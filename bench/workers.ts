import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startWorkerProcess, type WorkerProcess } from '../src/dev/worker-process.ts';
import { sum } from './stats.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Memory of one process as the kernel counts it (/proc/<pid>/status), in MB. */
export interface ProcMemory {
  /** Resident now. */
  rss: number;
  /** Peak resident (VmHWM) since start, or since the last {@link resetPeak}. */
  peak: number;
}

/** Reads VmRSS and VmHWM of a live process. */
export async function procMemory(pid: number): Promise<ProcMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * Resets a process's peak RSS to its current RSS (Linux ≥ 4.0: writing 5 to clear_refs), so the
 * next peak read belongs to the work that follows. False when the kernel refuses.
 */
export async function resetPeak(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Worker processes of one bench configuration. */
export interface WorkerSet {
  processes: WorkerProcess[];
  /** Memory of each process right after it logged `workers ready` (start-up peak, idle RSS). */
  startup: ProcMemory[];
  stop(): Promise<void>;
}

/** Starts `count` real worker processes (src/workers/main.ts) with `env`, one after the other. */
export async function startWorkers(
  count: number,
  env: Record<string, string>,
  options: { runner: 'dist' | 'tsx'; concurrency: number; nodeArgs?: string[] },
): Promise<WorkerSet> {
  const processes: WorkerProcess[] = [];
  const startup: ProcMemory[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const worker = await startWorkerProcess(
        env,
        ['--queues', 'ingest,transform,quality', '--concurrency', String(options.concurrency)],
        { runner: options.runner, ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}) },
      );
      processes.push(worker);
      startup.push(await procMemory(worker.pid));
    }
  } catch (error) {
    await Promise.all(processes.map((worker) => worker.stop()));
    throw error;
  }
  return {
    processes,
    startup,
    async stop() {
      await Promise.all(processes.map((worker) => worker.stop()));
    },
  };
}

/**
 * Builds dist/ with tsc when any source under src/ or pipelines/ is newer than the compiled worker
 * entry, so a `dist` runner never runs stale code.
 */
export async function ensureBuild(log: (line: string) => void): Promise<void> {
  const entry = path.join(ROOT, 'dist/src/workers/main.js');
  const built = await stat(entry).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const newest = Math.max(
    await newestSource(path.join(ROOT, 'src')),
    await newestSource(path.join(ROOT, 'pipelines')),
  );
  if (built > 0 && newest <= built) return;
  log('building dist/ (npm run build) for the worker processes…');
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) throw new Error('npm run build failed; see the compiler output above');
}

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const { mtimeMs } = await stat(path.join(entry.parentPath, entry.name));
    newest = Math.max(newest, mtimeMs);
  }
  return newest;
}

/** Clock ticks per second of /proc's CPU counters (USER_HZ; 100 on Linux builds in use). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process, or one of its threads, has used so far, from /proc's stat. */
export async function procCpuSeconds(pid: number, tid?: string): Promise<number> {
  const stat = await readFile(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state; utime and stime follow.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * CPU seconds a process's main thread (its JavaScript) has used so far. The rest of the process's CPU
 * is V8's platform threads (garbage collection, optimizing compilation) and libuv's pool (file system).
 */
export function procMainThreadCpuSeconds(pid: number): Promise<number> {
  return procCpuSeconds(pid, String(pid));
}

/** Busy CPU seconds of the whole machine so far (every core, every process), from /proc/stat. */
export async function machineBusySeconds(): Promise<number> {
  const [line] = (await readFile('/proc/stat', 'utf8')).split('\n', 1);
  const ticks = (line as string).trim().split(/\s+/).slice(1).map(Number);
  const total = sum(ticks.slice(0, 8));
  const idle = (ticks[3] as number) + (ticks[4] as number); // idle + iowait
  return (total - idle) / TICKS_PER_SECOND;
}
