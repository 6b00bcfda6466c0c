import { createReadStream } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import { loadPipelines } from '../lib/definition/registry.ts';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import { splitByDate } from '../lib/ingest/split.ts';
import { assertValidKey, assertValidPrefix } from '../lib/lake/keys.ts';
import { openLake } from '../lib/lake/open-lake.ts';
import { DATE_PLACEHOLDER } from '../lib/pipeline/input-spec.ts';
import { sourceOf } from '../lib/pipeline/resolve.ts';
import { openInput } from '../lib/sources/file-reader.ts';
import { exitOnSignal } from './exit-on-signal.ts';

export const UPLOAD_USAGE = `Usage: npm run upload -- FILE... [--prefix PREFIX | --to KEY]
       npm run upload -- FILE --split-by-date --pipeline NAME --source NAME [--prefix PREFIX]

Puts local files into the lake (LAKE_URL), so workers that cannot see this machine's disk (Docker,
other machines) can read them as lake:KEY inputs.

  --prefix PREFIX    lake key prefix for the files (default incoming/); each keeps its file name
  --to KEY           the lake key of a single file
  --split-by-date    split a multi-day export by the date of the source's event-time column into
                     one object per date, <prefix><source>-<date>.csv, and print the backfill that
                     runs one date per run
  --pipeline NAME    with --split-by-date: the pipeline whose source it is
  --source NAME      with --split-by-date: the (fact) source the export holds`;

/** What `npm run upload` was asked to do. */
export interface UploadRequest {
  files: string[];
  prefix: string;
  to: string | undefined;
  split: { pipeline: string; source: string } | undefined;
}

/**
 * Parses the upload command line.
 * @throws ConfigError `ARGS_INVALID` saying what is wrong, with the usage
 */
export function parseUploadArgs(argv: string[], cwd = process.cwd()): UploadRequest | 'help' {
  const fail = (message: string) =>
    new ConfigError(`${message}\n\n${UPLOAD_USAGE}`, { code: 'ARGS_INVALID' });
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw fail(errorMessage(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length === 0) throw fail('give at least one file');
  const prefix = values.prefix ?? 'incoming/';
  try {
    assertValidPrefix(prefix.endsWith('/') ? prefix : `${prefix}/`);
    if (values.to !== undefined) assertValidKey(values.to);
  } catch (error) {
    throw fail(errorMessage(error));
  }
  if (values.to !== undefined && (positionals.length > 1 || values['split-by-date'])) {
    throw fail('--to names one object: give one file, without --split-by-date');
  }
  let split: UploadRequest['split'];
  if (values['split-by-date']) {
    if (positionals.length !== 1) throw fail('--split-by-date takes one file');
    if (!values.pipeline || !values.source) throw fail('--split-by-date needs --pipeline and --source');
    split = { pipeline: values.pipeline, source: values.source };
  }
  return {
    files: positionals.map((file) => path.resolve(cwd, file)),
    prefix: prefix.endsWith('/') ? prefix : `${prefix}/`,
    to: values.to,
    split,
  };
}

const OPTIONS = {
  prefix: { type: 'string' },
  to: { type: 'string' },
  'split-by-date': { type: 'boolean' },
  pipeline: { type: 'string' },
  source: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(): Promise<void> {
  const request = parseUploadArgs(process.argv.slice(2));
  if (request === 'help') {
    console.log(UPLOAD_USAGE);
    return;
  }
  const config = loadConfig();
  const lake = await openLake(config);
  try {
    if (request.split) {
      const { pipeline: name, source } = request.split;
      const pipeline = (await loadPipelines(config.PIPELINES_DIR)).get(name);
      const definition = sourceOf(pipeline, source);
      if (definition.kind !== 'fact') {
        throw new ConfigError(`${source} is a dimension: only a fact source has an event time to split by`, {
          code: 'ARGS_INVALID',
        });
      }
      const file = request.files[0] as string;
      const table = await openInput({ kind: 'file', path: file }, { lake, source });
      const refs = await splitByDate({
        lake,
        table,
        column: definition.eventTime,
        keyOf: (date) => `${request.prefix}${source}-${date}.csv`,
        source: file,
      });
      for (const [date, ref] of refs) console.log(`${date}: ${ref.rows} rows → lake:${ref.key}`);
      const dates = [...refs.keys()];
      if (dates.length > 0) {
        console.log(
          `\nrun them: npm run enqueue -- --pipeline ${name} --date ${dates[0]} --to ${dates.at(-1)} --source ${source}=lake:${request.prefix}${source}-${DATE_PLACEHOLDER}.csv`,
        );
      }
      return;
    }
    for (const file of request.files) {
      const key = request.to ?? `${request.prefix}${path.basename(file)}`;
      const { bytes } = await lake.storage.putStream(assertValidKey(key), createReadStream(file));
      console.log(`${file} → lake:${key} (${bytes} bytes)`);
    }
  } finally {
    await lake.storage.close();
  }
}

exitOnSignal();
main().catch((error: unknown) => {
  console.error(`upload: ${errorMessage(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
