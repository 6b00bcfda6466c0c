import { expect } from 'vitest';
import { ConfigError } from '../../src/lib/errors.ts';

/**
 * The error a definition is refused with when `load` runs it: a ConfigError `DEFINITION_INVALID`
 * (asserted). Throws when the definition loads.
 */
export function refusal(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('DEFINITION_INVALID');
    return error as ConfigError;
  }
  throw new Error('the definition loaded');
}
