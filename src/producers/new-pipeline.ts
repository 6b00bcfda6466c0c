import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import { pipelineTemplate, pipelineTestTemplate } from './pipeline-template.ts';

const USAGE = `Usage: npm run new-pipeline -- NAME [--dir DIR]

Writes DIR/NAME/pipeline.ts (a working definition to edit) and DIR/NAME/pipeline.test.ts (a test
that runs it end to end on a local lake). DIR defaults to PIPELINES_DIR (pipelines/).
NAME: lower-case letters, digits and _, starting with a letter.`;

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Writes a new pipeline's definition and test; returns the files written.
 * @throws ConfigError `ARGS_INVALID` for a bad name, `PIPELINE_EXISTS` when the directory exists
 */
export async function scaffoldPipeline(name: string, dir: string): Promise<string[]> {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) {
    throw new ConfigError(
      `pipeline name ${JSON.stringify(name)}: lower-case letters, digits and _, starting with a letter`,
      {
        code: 'ARGS_INVALID',
      },
    );
  }
  const target = path.resolve(dir, name);
  if (existsSync(target)) {
    throw new ConfigError(`${target} exists already; pick another name or remove it`, {
      code: 'PIPELINE_EXISTS',
    });
  }
  const importPath = (file: string) => {
    const relative = path.relative(target, path.join(ROOT, file)).split(path.sep).join('/');
    return relative.startsWith('.') ? relative : `./${relative}`;
  };
  await mkdir(target, { recursive: true });
  const files = [path.join(target, 'pipeline.ts'), path.join(target, 'pipeline.test.ts')];
  await writeFile(files[0] as string, pipelineTemplate(name, importPath('src/api.ts')), { flag: 'wx' });
  await writeFile(
    files[1] as string,
    pipelineTestTemplate(name, importPath('src/api.ts'), importPath('test/helpers/temp-lake.ts')),
    { flag: 'wx' },
  );
  return files;
}

async function main(): Promise<void> {
  let values: { dir?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    throw new ConfigError(`${errorMessage(error)}\n\n${USAGE}`, { code: 'ARGS_INVALID' });
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1)
    throw new ConfigError(`give one pipeline name\n\n${USAGE}`, { code: 'ARGS_INVALID' });
  const name = positionals[0] as string;
  const files = await scaffoldPipeline(name, values.dir ?? loadConfig().PIPELINES_DIR);
  console.log(`wrote ${files.map((file) => path.relative(process.cwd(), file)).join(' and ')}

next:
  npx vitest run ${path.relative(process.cwd(), files[1] as string)}   # the pipeline end to end on a local lake
  npm run pipelines                                  # it is listed once it loads
  npm run worker &                                   # workers run every pipeline in the directory
  npm run enqueue -- --pipeline ${name} --date 2024-01-15 --wait`);
}

main().catch((error: unknown) => {
  console.error(`new-pipeline: ${errorMessage(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
