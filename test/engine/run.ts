import type { PipelineDefinition } from '../../src/lib/definition/define.ts';
import { runTransform } from '../../src/lib/engine/run-transform.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { withTempLake } from '../helpers/temp-lake.ts';

export const DATE = '2024-03-02';

/**
 * Lands `inputs` (source → CSV text) for {@link DATE}, runs the pipeline's transform, and returns
 * every output dataset's CSV text and the run's metrics.
 */
export async function transformCsv(pipeline: PipelineDefinition, inputs: Record<string, string>) {
  return withTempLake(async ({ lake }) => {
    for (const [source, text] of Object.entries(inputs)) {
      await lake.storage.put(lakeKeys.landing(pipeline.name, source, DATE), Buffer.from(text));
    }
    const result = await runTransform({ lake, pipeline, runId: 'test', date: DATE, batchSize: 2 });
    const outputs: Record<string, string> = {};
    for (const [name, ref] of Object.entries(result.outputs)) {
      outputs[name] = (await lake.storage.get(ref.key)).toString('utf8');
    }
    return { outputs, metrics: result.metrics, result };
  });
}

/** CSV text from lines. */
export const csv = (...lines: string[]) => `${lines.join('\n')}\n`;
