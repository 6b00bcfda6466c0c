import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, errorMessage, InputError, PipelineError } from '../errors.ts';
import { addSuites, isPipelineDefinition, type PipelineDefinition } from './define.ts';
import { QUALITY_FILE, readYamlSuites } from './yaml-suites.ts';

/** The pipelines a process loaded, by name. */
export class PipelineRegistry {
  private readonly byName: ReadonlyMap<string, PipelineDefinition>;

  constructor(
    pipelines: readonly PipelineDefinition[],
    /** Where they came from, for messages. */
    readonly dir = '(given)',
  ) {
    const byName = new Map<string, PipelineDefinition>();
    for (const pipeline of pipelines) {
      if (byName.has(pipeline.name)) {
        throw new ConfigError(`two pipelines are named ${pipeline.name} in ${dir}`, {
          code: 'DEFINITION_INVALID',
        });
      }
      byName.set(pipeline.name, pipeline);
    }
    this.byName = byName;
  }

  /** The loaded pipelines' names, sorted. */
  get names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** Every loaded pipeline, by name. */
  list(): PipelineDefinition[] {
    return this.names.map((name) => this.byName.get(name) as PipelineDefinition);
  }

  /** Whether `name` is loaded. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * The pipeline called `name`.
   * @throws InputError `UNKNOWN_PIPELINE` (never retried), listing the loaded pipelines
   */
  get(name: string): PipelineDefinition {
    const pipeline = this.byName.get(name);
    if (pipeline) return pipeline;
    const known =
      this.names.length > 0 ? this.names.join(', ') : `none (is PIPELINES_DIR ${this.dir} right?)`;
    throw new InputError(`unknown pipeline ${JSON.stringify(name)}; loaded pipelines: ${known}`, {
      code: 'UNKNOWN_PIPELINE',
    });
  }
}

/** Module names tried in each pipeline directory, in order. */
const ENTRY_FILES = ['pipeline.js', 'pipeline.mjs', 'pipeline.ts', 'pipeline.mts'];

/**
 * Loads every pipeline under `dir`: each subdirectory `<name>/` holds `pipeline.ts` (or `.js`) whose
 * default export is a `definePipeline(…)`, named as its directory, and may hold a `quality.yaml` whose
 * suites are added to it. Directories starting with `.` or
 * `_` are skipped. Definitions are validated as they load.
 * @throws ConfigError `PIPELINES_DIR_MISSING`, or `DEFINITION_INVALID` naming the file and the problem
 */
export async function loadPipelines(dir: string): Promise<PipelineRegistry> {
  const root = path.resolve(dir);
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    throw new ConfigError(
      `cannot read the pipelines directory ${root} (PIPELINES_DIR): ${errorMessage(error)}`,
      {
        code: 'PIPELINES_DIR_MISSING',
        cause: error,
      },
    );
  }
  const pipelines: PipelineDefinition[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const file = ENTRY_FILES.map((name) => path.join(root, entry.name, name)).find((candidate) =>
      existsSync(candidate),
    );
    if (!file) continue;
    const pipeline = await loadPipelineFile(file, entry.name);
    const yaml = path.join(root, entry.name, QUALITY_FILE);
    pipelines.push(existsSync(yaml) ? await withYamlSuites(pipeline, yaml) : pipeline);
  }
  return new PipelineRegistry(pipelines, root);
}

/**
 * Adds the suites of a `quality.yaml` to a loaded pipeline.
 * @throws ConfigError `DEFINITION_INVALID` naming the file and each problem
 */
export async function withYamlSuites(
  pipeline: PipelineDefinition,
  file: string,
): Promise<PipelineDefinition> {
  const shown = path.relative(process.cwd(), file) || file;
  let suites: Awaited<ReturnType<typeof readYamlSuites>>;
  try {
    suites = await readYamlSuites(file);
  } catch (error) {
    throw new ConfigError(`${shown}: ${errorMessage(error).replace(`${file}: `, '')}`, {
      code: 'DEFINITION_INVALID',
      cause: error,
    });
  }
  return addSuites(pipeline, suites, shown);
}

/**
 * Loads one definition module.
 * @param expectedName the directory's name, which the pipeline must have
 * @throws ConfigError `DEFINITION_INVALID` naming the file
 */
export async function loadPipelineFile(file: string, expectedName?: string): Promise<PipelineDefinition> {
  const shown = path.relative(process.cwd(), file) || file;
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    const hint =
      file.endsWith('ts') && !process.execArgv.join(' ').includes('tsx') && error instanceof SyntaxError
        ? ' (a TypeScript definition needs tsx or Node ≥ 22.18; or build it to JavaScript)'
        : '';
    const detail = error instanceof PipelineError ? error.message : errorMessage(error);
    throw new ConfigError(`${shown}: ${detail}${hint}`, { code: 'DEFINITION_INVALID', cause: error });
  }
  const pipeline = module.default;
  if (!isPipelineDefinition(pipeline)) {
    throw new ConfigError(`${shown}: the default export is not a definePipeline(…)`, {
      code: 'DEFINITION_INVALID',
    });
  }
  if (expectedName !== undefined && pipeline.name !== expectedName) {
    throw new ConfigError(
      `${shown}: the pipeline is named ${pipeline.name}, its directory ${expectedName}; give them one name`,
      { code: 'DEFINITION_INVALID' },
    );
  }
  return pipeline;
}
