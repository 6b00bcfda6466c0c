import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** The repository root: where the commands' entry points resolve. */
export const ROOT = path.resolve(import.meta.dirname, '../..');

/** How a command ended. */
export interface CliResult {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** A command started with {@link startCli}: its output so far, and ways to wait on it. */
export interface RunningCli {
  child: ChildProcessByStdio<null, Readable, Readable>;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once `pattern` appears on stderr; rejects if the process exits first or after `timeoutMs`. */
  stderrMatches(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves when it exits; kills it (and rejects) after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<CliResult>;
}

/**
 * Starts `node --import tsx <script> …args` from the repository root, as its npm script does, with
 * `env` on top of this process's environment (logs silenced).
 */
export function startCli(script: string, args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  let done = false;
  void closed.then(() => {
    done = true;
  });
  const describe = () => `${script} ${args.join(' ')}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    stderrMatches(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stderr)) return false;
          cleanup();
          resolve();
          return true;
        };
        const onClose = () => {
          if (check()) return;
          cleanup();
          reject(new Error(`exited before stderr matched ${pattern}:\n${describe()}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`stderr did not match ${pattern} within ${timeoutMs} ms:\n${describe()}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          child.stderr.off('data', check);
          child.off('close', onClose);
        };
        if (check()) return;
        if (done) return onClose();
        child.stderr.on('data', check);
        child.on('close', onClose);
      });
    },
    async exited(timeoutMs = 120_000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code, signal] = await closed;
      clearTimeout(timer);
      if (signal === 'SIGKILL') throw new Error(`did not exit within ${timeoutMs} ms:\n${describe()}`);
      return { code: code ?? (signal as string), stdout, stderr };
    },
  };
}

/** Runs a command to its end. */
export function runCli(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<CliResult> {
  return startCli(script, args, env).exited(timeoutMs);
}

/** Runs `tasks` at most `limit` at a time (the machine may have two cores, and a benchmark running). */
export async function limited<T>(tasks: (() => Promise<T>)[], limit = 3): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  });
  await Promise.all(lanes);
  return results;
}
