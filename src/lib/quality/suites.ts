import { InputError } from '../errors.ts';
import {
  acceptedValuesCheck,
  compareCheck,
  completenessCheck,
  type QualitySuite,
  rangeCheck,
  uniquenessCheck,
} from './checks.ts';

/** The built-in suites. */
export type SuiteName = 'notebook' | 'pipeline';

/**
 * The seed's two checkers. Every check is `error` severity, so a report passes exactly when the
 * seed's `all_passed` would be true.
 */
export const SUITES: Readonly<Record<SuiteName, QualitySuite>> = {
  /** Part 4's checker on the enriched transactions: the default. */
  notebook: {
    name: 'notebook',
    checks: [
      uniquenessCheck('transaction_id', { threshold: 1.0 }),
      completenessCheck('customer_id', { threshold: 1.0 }),
      completenessCheck('product', { threshold: 1.0 }),
      completenessCheck('region', { threshold: 0.95 }),
      rangeCheck('quantity', 1, 100, { threshold: 0.99 }),
      rangeCheck('total_amount', 0, 10000, { threshold: 0.99 }),
      rangeCheck('profit_margin', -50, 100, { threshold: 0.95 }),
      compareCheck('Positive revenue', 'total_amount', '>', 0, { threshold: 0.99 }),
      acceptedValuesCheck('Valid segments', 'segment', ['Bronze', 'Silver', 'Gold', 'Platinum', 'Unknown'], {
        threshold: 1.0,
      }),
    ],
  },
  /** Part 5's `pipeline_checker`, with the seed's default thresholds. */
  pipeline: {
    name: 'pipeline',
    checks: [
      uniquenessCheck('transaction_id'),
      completenessCheck('customer_id'),
      rangeCheck('total_amount', 0, 10000),
    ],
  },
};

/** The names of the known suites, for validation and messages. */
export const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];
/** The suite a run uses unless told otherwise. */
export const DEFAULT_SUITE: SuiteName = 'notebook';

/**
 * The suite called `name`.
 * @throws InputError `UNKNOWN_SUITE`, listing the known suites
 */
export function getSuite(name: string): QualitySuite {
  // A copy: callers may store or adjust it without changing the shared definition.
  if (Object.hasOwn(SUITES, name)) return structuredClone(SUITES[name as SuiteName]);
  throw new InputError(
    `unknown quality suite ${JSON.stringify(name)}; known suites: ${SUITE_NAMES.join(', ')}`,
    {
      code: 'UNKNOWN_SUITE',
    },
  );
}
