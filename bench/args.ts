import { parseArgs } from 'node:util';
import { WORKER_HEAP_LIMIT_MB } from '../src/dev/worker-process.ts';
import { DATASET_FORMATS, type DatasetFormat } from '../src/lib/lake/keys.ts';

/** The bench's options; see {@link USAGE}. */
export interface BenchArgs {
  /** Transaction counts to measure (each a full backfill over `dates` dates). */
  rows: number[];
  dates: number;
  /** Worker process counts to measure. */
  workers: number[];
  /** Formats of sales_etl's datasets to measure (each a configuration, taking turns with the others). */
  formats: DatasetFormat[];
  repeat: number;
  /** Backfills each configuration runs, unmeasured, before the measured ones. */
  warmup: number;
  latencyRuns: number;
  json: boolean;
  scale: boolean;
  /** Jobs per queue each worker process runs at once (WORKER_CONCURRENCY). */
  concurrency: number;
  customers: number;
  seed: number;
  /** How workers run: `dist` (node on the tsc build) or `tsx` (as `npm run worker`). */
  runner: 'dist' | 'tsx';
  /** Also recompute every date in-process in one batch and compare the outputs byte for byte. */
  verify: boolean;
  /** Directory for V8 CPU profiles of the worker processes (`--cpu-prof`), written when they exit. */
  cpuProf: string | undefined;
  /** Extra node flags for the worker processes (space-separated), e.g. V8 heap flags. */
  nodeArgs: string[];
  /** Failing-row samples every check of the run's suite keeps; undefined: the definition's. */
  samples: number | undefined;
}

export const USAGE = `Usage: npm run bench -- [options]

  --rows N[,N…]        transactions per backfill (default 1000000; with --scale 1000000)
  --dates D            dates the transactions spread over, one run per date (default 10)
  --workers N[,N…]     worker processes (default 2)
  --format F[,F…]      sales_etl's datasets as csv (default) or parquet; csv,parquet measures both,
                       taking turns backfill by backfill (bench/formats.ts makes the definition)
  --samples N          failing-row samples each check keeps (default the definition's, 5); 0 keeps
                       none, to measure what samples cost
  --repeat R           backfills per configuration; figures are medians (default 1)
  --warmup W           unmeasured backfills first, on each configuration's fresh workers (default 1):
                       their first backfill compiles code and grows heaps; 0 measures it too
  --latency-runs L     notebook-size runs (300 transactions) for the latency median (default 20; 0 skips)
  --scale              the 10-date backfill with 1 and 2 workers, and the ratio of their wall times
                       (configurations of one input always take turns, backfill by backfill)
  --concurrency C      jobs per queue per worker process (default 2, as WORKER_CONCURRENCY)
  --runner dist|tsx    workers on the tsc build (default; built first) or under tsx (npm run worker)
  --verify             compare every output with an in-process, one-batch (unstreamed) transform
  --cpu-prof DIR       write a V8 CPU profile of each worker process into DIR (when it stops)
  --max-old-space-size MB   the workers' V8 heap limit (default 1024, as npm run worker sets it)
  --node-args "…"      extra node flags for the worker processes (experiments, e.g. V8 heap flags)
  --customers N        customers in the dimension file (default 9000)
  --seed S             generator seed (default 42)
  --json               print one JSON object instead of tables (progress goes to stderr)
  --help, -h           this help

The input is generated once and cached under .bench/ (keyed by size, dates, customers and seed).
Redis: REDIS_URL (default redis://127.0.0.1:6379); each configuration uses its own queue prefix and
lake directory, removed afterwards.`;

/** Parses the bench's command line. @throws Error with the usage on bad input */
export function parseBenchArgs(argv: string[]): BenchArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rows: { type: 'string' },
      dates: { type: 'string', default: '10' },
      workers: { type: 'string' },
      format: { type: 'string', default: 'csv' },
      samples: { type: 'string' },
      repeat: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '1' },
      'latency-runs': { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
      scale: { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '2' },
      customers: { type: 'string', default: '9000' },
      seed: { type: 'string', default: '42' },
      runner: { type: 'string', default: 'dist' },
      verify: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'node-args': { type: 'string', default: '' },
      'max-old-space-size': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const scale = values.scale === true;
  const runner = values.runner;
  if (runner !== 'dist' && runner !== 'tsx') throw new Error(`--runner must be dist or tsx\n\n${USAGE}`);
  return {
    rows: list('rows', values.rows ?? '1000000', 1),
    dates: count('dates', values.dates, 1),
    workers: scale ? [1, 2] : list('workers', values.workers ?? '2', 1),
    formats: formats(values.format),
    samples: values.samples === undefined ? undefined : count('samples', values.samples, 0),
    repeat: count('repeat', values.repeat, 1),
    warmup: count('warmup', values.warmup, 0),
    latencyRuns: count('latency-runs', values['latency-runs'], 0),
    json: values.json === true,
    scale,
    concurrency: count('concurrency', values.concurrency, 1),
    customers: count('customers', values.customers, 1),
    seed: count('seed', values.seed, 0),
    runner,
    verify: values.verify === true,
    cpuProf: values['cpu-prof'],
    nodeArgs: [
      `--max-old-space-size=${
        values['max-old-space-size'] === undefined
          ? WORKER_HEAP_LIMIT_MB
          : count('max-old-space-size', values['max-old-space-size'], 64)
      }`,
      ...(values['node-args'] ?? '').split(/\s+/).filter(Boolean),
    ],
  };
}

function count(name: string, text: string | undefined, min: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(text)}\n\n${USAGE}`);
  }
  return value;
}

function formats(text: string): DatasetFormat[] {
  const names = [...new Set(text.split(',').map((part) => part.trim()))];
  const unknown = names.filter((name) => !DATASET_FORMATS.includes(name as DatasetFormat));
  if (unknown.length > 0 || names.length === 0)
    throw new Error(`--format takes ${DATASET_FORMATS.join(', ')}, got ${JSON.stringify(text)}\n\n${USAGE}`);
  return names as DatasetFormat[];
}

function list(name: string, text: string, min: number): number[] {
  return text.split(',').map((part) => count(name, part.trim().replaceAll('_', ''), min));
}
