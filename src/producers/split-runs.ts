import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { PipelineDefinition } from '../lib/definition/define.ts';
import { ConfigError, InputError } from '../lib/errors.ts';
import { splitByDate } from '../lib/ingest/split.ts';
import type { DataLake } from '../lib/lake/data-lake.ts';
import type { RunSpec } from '../lib/pipeline/lifecycle.ts';
import { sourceOf } from '../lib/pipeline/resolve.ts';
import { openInput } from '../lib/sources/file-reader.ts';

/** A run template whose one source is a multi-day export, to be split into a run per date. */
export interface SplitRequest {
  /** The runs' shared spec (its date is set per run). */
  template: Omit<RunSpec, 'date'>;
  /** The source whose file is split. */
  source: string;
}

/**
 * Splits a multi-day export by its source's event-time column into one lake object per date, under
 * `incoming/<pipeline>/<source>/<sha256 prefix of the file>/`, and returns one run per date reading
 * its object. The same export gives the same keys, so enqueueing it again adds nothing.
 * @throws ConfigError `ARGS_INVALID` when the source is not a fact given as a file; InputError from
 * the split (a row without an event time, naming it)
 */
export async function splitIntoRuns(
  lake: DataLake,
  pipeline: PipelineDefinition,
  { template, source }: SplitRequest,
): Promise<RunSpec[]> {
  const input = template.sources[source];
  const definition = sourceOf(pipeline, source);
  if (definition.kind !== 'fact') {
    throw new ConfigError(`--split-by-date ${source}: a dimension has no event time to split by`, {
      code: 'ARGS_INVALID',
    });
  }
  if (input?.kind !== 'file') {
    throw new ConfigError(`--split-by-date ${source}: give the export as --source ${source}=PATH`, {
      code: 'ARGS_INVALID',
    });
  }
  const digest = await fileDigest(input.path);
  const prefix = `incoming/${pipeline.name}/${source}/${digest.slice(0, 16)}/`;
  const table = await openInput(input, { lake, source });
  const refs = await splitByDate({
    lake,
    table,
    column: definition.eventTime,
    keyOf: (date) => `${prefix}${source}-${date}.csv`,
    source: input.path,
  });
  if (refs.size === 0) {
    throw new InputError(`the export ${input.path} has no rows to split`, {
      code: 'NO_ROWS',
      location: { source },
    });
  }
  return [...refs].map(([date, ref]) => ({
    ...template,
    date,
    sources: { ...template.sources, [source]: { kind: 'lake', key: ref.key } },
  }));
}

async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
