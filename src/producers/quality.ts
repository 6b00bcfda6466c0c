import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import { loadPipelines } from '../lib/definition/registry.ts';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import { assertIsoDate } from '../lib/lake/keys.ts';
import { openLake } from '../lib/lake/open-lake.ts';
import { readHistory } from '../lib/quality/history.ts';
import { formatHistory } from '../lib/quality/history-table.ts';
import { exitOnSignal } from './exit-on-signal.ts';

const USAGE = `Usage: npm run quality -- history --pipeline NAME [--dataset NAME] [options]

Prints a dataset's quality history from the lake: a line per date (its latest run), oldest first,
with rows, their change, the overall score and the checks that failed or warned.

  --pipeline NAME     the pipeline (required)
  --dataset NAME      the checked dataset (default: the default suite's)
  --check NAME        one check's outcome, score, failing rows and value instead
  --from YYYY-MM-DD   dates from this one on
  --to YYYY-MM-DD     dates up to this one
  --limit N           the last N dates (default 30)
  --all-runs          every run of each date, not only its latest
  --json              the entries as JSON
  -h, --help          this text`;

/** The parsed command line, or `help`. @throws ConfigError `ARGS_INVALID` */
function parseQualityArgs(args: readonly string[]) {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new ConfigError(`${errorMessage(error)}\n\n${USAGE}`, { code: 'ARGS_INVALID' });
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help' as const;
  const fail = (message: string): never => {
    throw new ConfigError(`${message}\n\n${USAGE}`, { code: 'ARGS_INVALID' });
  };
  if (positionals[0] !== 'history' || positionals.length > 1)
    fail(`expected the command history, not ${JSON.stringify(positionals.join(' ') || '(none)')}`);
  if (!values.pipeline) fail('--pipeline is required');
  const limit = values.limit === undefined ? 30 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) fail(`--limit ${values.limit}: expected a whole number ≥ 1`);
  const date = (value: string | undefined, flag: string) => {
    if (value === undefined) return undefined;
    try {
      return assertIsoDate(value);
    } catch (error) {
      return fail(`${flag}: ${errorMessage(error)}`);
    }
  };
  return {
    pipeline: values.pipeline as string,
    dataset: values.dataset,
    check: values.check,
    from: date(values.from, '--from'),
    to: date(values.to, '--to'),
    limit,
    allRuns: values['all-runs'] === true,
    json: values.json === true,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      pipeline: { type: 'string' },
      dataset: { type: 'string' },
      check: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
      'all-runs': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function main(): Promise<void> {
  const request = parseQualityArgs(process.argv.slice(2));
  if (request === 'help') {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  const pipeline = (await loadPipelines(config.PIPELINES_DIR)).get(request.pipeline);
  const datasets = pipeline.plan.datasets.map((dataset) => dataset.name);
  const dataset =
    request.dataset ?? (pipeline.defaultSuite ? pipeline.suites[pipeline.defaultSuite]?.dataset : undefined);
  if (dataset === undefined || !datasets.includes(dataset)) {
    throw new ConfigError(
      `${request.dataset === undefined ? `${pipeline.name} has no quality suite: name a dataset` : `no dataset ${request.dataset}`} (datasets: ${datasets.join(', ')})`,
      { code: 'ARGS_INVALID' },
    );
  }
  const lake = await openLake(config);
  try {
    // --to is inclusive; readHistory's `before` is not.
    const before = request.to
      ? new Date(Date.parse(`${request.to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
      : undefined;
    const entries = await readHistory(lake, pipeline.name, dataset, {
      limit: request.limit,
      allRuns: request.allRuns,
      ...(request.from ? { from: request.from } : {}),
      ...(before ? { before } : {}),
    });
    console.log(
      request.json
        ? JSON.stringify(entries, null, 2)
        : `${pipeline.name} / ${dataset}\n${formatHistory(entries, request.check)}`,
    );
  } finally {
    await lake.storage.close();
  }
}

exitOnSignal();
main().catch((error: unknown) => {
  console.error(`quality: ${errorMessage(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
