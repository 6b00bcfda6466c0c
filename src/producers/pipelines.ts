import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import type { PipelineDefinition } from '../lib/definition/define.ts';
import { loadPipelines } from '../lib/definition/registry.ts';
import { ConfigError, errorMessage } from '../lib/errors.ts';

const USAGE = `Usage: npm run pipelines [-- --json]

Lists the pipelines in PIPELINES_DIR (default pipelines/) with their sources, datasets and quality
suites; a definition that does not load is reported with its file and problem (exit 2).

  --json    print the same as JSON`;

/** One pipeline as `npm run pipelines` shows it. */
export function describePipeline(pipeline: PipelineDefinition) {
  return {
    name: pipeline.name,
    description: pipeline.description ?? null,
    sources: Object.entries(pipeline.sources).map(([name, source]) => ({
      name,
      kind: source.kind,
      eventTime: source.kind === 'fact' ? source.eventTime : undefined,
      key: source.kind === 'dimension' ? [...source.key] : undefined,
      columns: Object.keys(source.schema),
      generator: source.generate !== undefined,
    })),
    steps: pipeline.plan.steps.map((step) => stepText(step.op)),
    datasets: pipeline.plan.datasets.map((dataset) => ({
      name: dataset.name,
      columns: dataset.columns.map((c) => c.name),
    })),
    suites: Object.values(pipeline.suites).map((suite) => ({
      name: suite.name,
      dataset: suite.dataset,
      default: suite.name === pipeline.defaultSuite,
      checks: suite.checks.map((check) => check.name),
    })),
  };
}

function stepText(op: PipelineDefinition['transform']['ops'][number]): string {
  switch (op.op) {
    case 'write':
      return `write ${op.dataset}`;
    case 'lookup':
      return `lookup ${op.dimension}`;
    case 'aggregate':
      return `aggregate by ${op.by.join(', ')}`;
    default:
      return op.op;
  }
}

/** The listing as text. */
export function formatPipelines(pipelines: readonly PipelineDefinition[]): string {
  if (pipelines.length === 0) return 'No pipelines loaded. Create one with: npm run new-pipeline -- NAME';
  return pipelines
    .map((pipeline) => {
      const d = describePipeline(pipeline);
      const width = Math.max(
        ...d.sources.map((s) => s.name.length),
        ...d.datasets.map((s) => s.name.length),
        8,
      );
      const pad = (text: string) => text.padEnd(width + 2);
      const lines = [`${d.name}${d.description ? ` — ${d.description}` : ''}`, '  sources'];
      for (const s of d.sources) {
        const shape =
          s.kind === 'fact'
            ? `fact, event time ${s.eventTime}`
            : `dimension, key ${(s.key ?? []).join(', ')}`;
        lines.push(
          `    ${pad(s.name)}${shape}; ${s.columns.length} columns${s.generator ? '; generator' : ''}`,
        );
      }
      lines.push(`  transform from ${pipeline.transform.source}: ${d.steps.join(' → ')}`, '  datasets');
      for (const s of d.datasets) lines.push(`    ${pad(s.name)}${s.columns.join(', ')}`);
      lines.push('  quality suites');
      if (d.suites.length === 0) lines.push('    (none)');
      for (const s of d.suites) {
        lines.push(
          `    ${pad(s.name)}on ${s.dataset}${s.default ? ' (default)' : ''}: ${s.checks.join('; ')}`,
        );
      }
      return lines.join('\n');
    })
    .join('\n\n');
}

async function main(): Promise<void> {
  let json = false;
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      console.log(USAGE);
      return;
    }
    json = values.json === true;
  } catch (error) {
    throw new ConfigError(`${errorMessage(error)}\n\n${USAGE}`, { code: 'ARGS_INVALID' });
  }
  const registry = await loadPipelines(loadConfig().PIPELINES_DIR);
  const pipelines = registry.list();
  console.log(json ? JSON.stringify(pipelines.map(describePipeline), null, 2) : formatPipelines(pipelines));
}

main().catch((error: unknown) => {
  console.error(`pipelines: ${errorMessage(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
