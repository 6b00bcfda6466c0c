import type { PipelineDefinition } from '../definition/define.ts';
import { latestSnapshotKey } from '../engine/landing.ts';
import { errorMessage } from '../errors.ts';
import type { DataLake } from '../lake/data-lake.ts';
import { openDataset } from '../lake/dataset-reader.ts';
import { isNull } from '../pandas/pandas-text.ts';
import type { QualityCheck, RowCheck } from './checks.ts';
import { referenceId } from './row-evaluators.ts';

type ReferencesCheck = Extract<RowCheck, { kind: 'references' }>;

/** The keys references checks compare with, and why a check could not get them. */
export interface ReferenceKeys {
  keys: Map<string, Set<string>>;
  /** A check whose snapshot could not be read: its ERROR text. */
  problems: Map<QualityCheck, string>;
}

/**
 * Reads the keys of each dimension snapshot a references check names, as of the run's date (the
 * snapshot the transform joined), once per snapshot and column. A missing snapshot or key column makes
 * that check an ERROR, not the run's failure.
 */
export async function loadReferenceKeys(
  lake: DataLake,
  pipeline: string,
  date: string,
  checks: readonly QualityCheck[],
  definition: PipelineDefinition | undefined,
): Promise<ReferenceKeys> {
  const result: ReferenceKeys = { keys: new Map(), problems: new Map() };
  const references = checks.filter((check): check is ReferencesCheck => check.kind === 'references');
  for (const check of references) {
    const id = referenceId(check);
    if (result.keys.has(id)) continue;
    const source = definition?.sources[check.source];
    const column =
      check.key ?? (source?.kind === 'dimension' && source.key.length === 1 ? source.key[0] : undefined);
    if (column === undefined) {
      result.problems.set(check, `no key column for ${check.source}: name one with key`);
      continue;
    }
    try {
      const key = await latestSnapshotKey(lake, pipeline, check.source, date);
      const table = await openDataset(lake, key, {
        columns: (header) => (header.includes(column) ? [header.indexOf(column)] : []),
      });
      const index = table.header.indexOf(column);
      if (index < 0) {
        for await (const _ of table.batches) break;
        result.problems.set(check, `column ${column} not in the ${check.source} snapshot ${key}`);
        continue;
      }
      const keys = new Set<string>();
      for await (const batch of table.batches)
        for (const row of batch) {
          const text = row[index] as string;
          if (!isNull(text)) keys.add(text);
        }
      result.keys.set(id, keys);
    } catch (error) {
      result.problems.set(check, errorMessage(error));
    }
  }
  return result;
}
