import type { PipelineDefinition } from '../lib/definition/define.ts';
import { ConfigError } from '../lib/errors.ts';
import type { InputSpec } from '../lib/pipeline/jobs.ts';
import type { RunSpec } from '../lib/pipeline/lifecycle.ts';

/**
 * What the demo enqueues, wave by wave (each wave ends before the next starts): the notebook's story,
 * for any pipeline whose sources all have generators.
 * @throws ConfigError naming the sources without a generator
 */
export function demoRuns(pipeline: PipelineDefinition, rerunTag: string): RunSpec[][] {
  const missing = Object.entries(pipeline.sources).filter(([, source]) => !source.generate);
  if (missing.length > 0) {
    throw new ConfigError(
      `the demo generates every source; ${pipeline.name} has no generator for ${missing.map(([name]) => name).join(', ')}`,
      { code: 'ARGS_INVALID' },
    );
  }
  // As in the notebook: 500 events a day, 300 in the final run; dimensions at their generators' size.
  const sources = (factRecords: number, withDimensions: boolean) => {
    const specs: Record<string, InputSpec> = {};
    for (const [name, source] of Object.entries(pipeline.sources)) {
      if (source.kind === 'fact')
        specs[name] = { kind: 'generate', records: factRecords, seed: 42, options: {} };
      else if (withDimensions) specs[name] = { kind: 'generate', seed: 42, options: {} };
    }
    return specs;
  };
  const run = (date: string, spec: Pick<RunSpec, 'sources' | 'suite'>): RunSpec => ({
    pipeline: pipeline.name,
    date,
    rerunTag,
    ...spec,
  });
  const [firstSuite, secondSuite] = Object.keys(pipeline.suites);
  const suite = firstSuite !== undefined ? { suite: firstSuite } : {};
  const waves: RunSpec[][] = [
    // Part 2: dimensions once, on the first day; the later days join that snapshot, so it ends first.
    [run('2024-01-15', { sources: sources(500, true), ...suite })],
    ['2024-01-16', '2024-01-17'].map((date) => run(date, { sources: sources(500, false), ...suite })),
  ];
  // Part 5: the notebook's final pipeline run, with its own suite.
  if (secondSuite !== undefined)
    waves.push([run('2024-01-20', { sources: sources(300, true), suite: secondSuite })]);
  return waves;
}
