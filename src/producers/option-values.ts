import { type ConfigError, PipelineError } from '../lib/errors.ts';

/** Builds a command's error for a bad option value; the error carries the command's usage. */
export type Fail = (message: string) => ConfigError;

/** Runs `lookup`; an unknown name's error (it lists what exists) becomes the command's, with `option`. */
export function named<T>(lookup: () => T, option: string, fail: Fail): T {
  try {
    return lookup();
  } catch (error) {
    if (error instanceof PipelineError) throw fail(`${option}: ${error.message}`);
    throw error;
  }
}

/** A whole number option; `fail` builds the error. */
export function integer(text: string, option: string, fail: Fail): number {
  if (!/^\d+$/.test(text)) throw fail(`${option} expects a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}
