import { statSync } from 'node:fs';
import { errorMessage } from '../lib/errors.ts';
import { DATE_PLACEHOLDER, inputForDate } from '../lib/pipeline/input-spec.ts';
import type { InputSpec } from '../lib/pipeline/jobs.ts';
import type { Fail } from './option-values.ts';

/**
 * Checks the file each run reads when its path names the date (`{date}`): each must be a regular file
 * on this machine, like any file input.
 */
export function checkDatedFiles(
  runs: readonly { date: string; sources: Readonly<Record<string, InputSpec>> }[],
  fail: Fail,
): void {
  for (const run of runs) {
    for (const [name, input] of Object.entries(run.sources)) {
      if (input.kind !== 'file' || !input.path.includes(DATE_PLACEHOLDER)) continue;
      const dated = inputForDate(input, run.date);
      if (dated.kind === 'file') checkFile(`--source ${name} (date ${run.date})`, dated.path, fail);
    }
  }
}

/**
 * A file input must be a regular file on this machine. Workers read the same path, so it must be
 * there too (the same machine, or a volume mounted at the same path).
 */
export function checkFile(option: string, file: string, fail: Fail): void {
  const workers =
    'workers read the same path, so it must be there too (or put it in the lake and give lake:KEY)';
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : errorMessage(error);
    throw fail(`${option}: the file ${file} ${problem} on this machine; ${workers}`);
  }
  if (!stats.isFile()) {
    const kind = stats.isDirectory() ? 'a directory' : 'not a regular file';
    throw fail(`${option}: ${file} is ${kind}; give a regular file (${workers})`);
  }
}
