import { assertValidKey } from '../lake/keys.ts';
import type { InputSpec } from './jobs.ts';

/** The placeholder a file path or lake key may hold: each run reads its own date's input. */
export const DATE_PLACEHOLDER = '{date}';

/**
 * A run's input with `{date}` in its path or key replaced by the run's date
 * (`lake:incoming/transactions-{date}.csv`), so a backfill or a schedule reads each date's own file.
 * @throws InputError `INVALID_KEY` when the key is not valid once the date is in
 */
export function inputForDate(input: InputSpec, date: string): InputSpec {
  switch (input.kind) {
    case 'file':
      return input.path.includes(DATE_PLACEHOLDER)
        ? { ...input, path: input.path.replaceAll(DATE_PLACEHOLDER, date) }
        : input;
    case 'lake':
      return input.key.includes(DATE_PLACEHOLDER)
        ? { ...input, key: assertValidKey(input.key.replaceAll(DATE_PLACEHOLDER, date)) }
        : input;
    default:
      return input;
  }
}
