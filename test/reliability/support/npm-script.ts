import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ROOT } from './harness.ts';

/** One process as /proc shows it; the start time tells it from a later process given the same pid. */
export interface ProcessId {
  pid: number;
  ppid: number;
  startTime: string;
}

/** State, parent pid and start time (clock ticks since boot) from /proc/<pid>/stat, if it is there. */
function stat(pid: number): { state: string; ppid: number; startTime: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone (or gone while listing)
  }
  // Fields after the command name, which is in parentheses and may itself hold spaces or parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', ppid: Number(fields[1]), startTime: fields[19] ?? '' };
}

/** `root` and every process below it, now (Linux /proc). */
export function processTree(root: number): ProcessId[] {
  const children = new Map<number, number[]>();
  const processes = new Map<number, ProcessId>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const info = stat(pid);
    if (!info) continue;
    processes.set(pid, { pid, ppid: info.ppid, startTime: info.startTime });
    children.set(info.ppid, [...(children.get(info.ppid) ?? []), pid]);
  }
  const tree: ProcessId[] = [];
  const visit = (pid: number) => {
    const process = processes.get(pid);
    if (!process) return;
    tree.push(process);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

/** The processes of `tree` that still exist, each with its command line, for a failure to name them. */
export function survivors(tree: ProcessId[]): string[] {
  return tree.filter(isAlive).map(({ pid }) => {
    let command = '?';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      // gone meanwhile
    }
    return `${pid} ${command}`;
  });
}

/**
 * Whether that very process still runs. A zombie has exited: an orphan's exit status is for init to
 * collect, and some containers' init never does.
 */
export function isAlive({ pid, startTime }: ProcessId): boolean {
  const info = stat(pid);
  return info?.startTime === startTime && info.state !== 'Z';
}

/** A process started as `npm run <script> -- <args>`. */
export interface NpmScript {
  child: ChildProcess;
  /** npm's own pid: what `kill -TERM <pid>` of a supervisor or a user hits. */
  pid: number;
  /** Every JSON log line printed so far (npm's banner and other text are left out). */
  logs: Record<string, unknown>[];
  /** Every stdout line printed so far. */
  lines: string[];
  /** npm's exit code, or the signal's name: the 'exit' event (its output may still be arriving). */
  exited: Promise<number | string>;
  /**
   * Resolves once stdout and stderr have closed: once every process that shares them (npm, node, and
   * helpers such as the esbuild service tsx starts while it has sources to compile) has exited.
   */
  closed: Promise<void>;
  /** Resolves with the first stdout line `match` accepts; rejects when npm exits first or after `timeoutMs`. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  stderr(): string;
}

/**
 * Runs `npm run <script> -- <args>` in the repository with `env` on top of this process's environment,
 * as a user or a supervisor would. npm's update check is turned off: a test does not reach the registry.
 * @param options.processGroup npm leads a process group of its own, as a shell's job in a terminal
 * does: `process.kill(-pid, 'SIGINT')` is then what Ctrl-C sends
 */
export function startNpmScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  options: { processGroup?: boolean } = {},
): NpmScript {
  const child = spawn('npm', ['run', script, ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: ROOT,
    env: { ...process.env, npm_config_update_notifier: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.processGroup === true,
  });
  const logs: Record<string, unknown>[] = [];
  const lines: string[] = [];
  const seen = new EventEmitter();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a log line
    }
    seen.emit('line', line);
  });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  const closed = once(child, 'close').then(() => undefined);
  return {
    child,
    pid: child.pid as number,
    logs,
    lines,
    exited,
    closed,
    stderr: () => stderr,
    waitForLine(match, timeoutMs = 30_000) {
      const line = lines.find(match);
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve, reject) => {
        const onLine = (next: string) => {
          if (!match(next)) return;
          cleanup();
          resolve(next);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`npm run ${script}: no matching line within ${timeoutMs} ms: ${stderr}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          seen.off('line', onLine);
        };
        seen.on('line', onLine);
        void exited.then((code) => {
          cleanup();
          reject(new Error(`npm run ${script} exited (${code}) before a matching line: ${stderr}`));
        });
      });
    },
  };
}

/** The first JSON log line of `script` whose `msg` is `msg`. */
export async function waitForLog(script: NpmScript, msg: string, timeoutMs?: number) {
  const isIt = (line: string) => line.startsWith('{') && line.includes(`"msg":${JSON.stringify(msg)}`);
  return JSON.parse(await script.waitForLine(isIt, timeoutMs)) as Record<string, unknown>;
}
