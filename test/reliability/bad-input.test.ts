import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputSpec } from '../../src/lib/pipeline/jobs.ts';
import type { RunSpec } from '../../src/lib/pipeline/lifecycle.ts';
import type { RunOutcome } from '../../src/producers/follow-runs.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { CASES, type Case, DATE, H, rows, type SourceName } from './support/bad-inputs.ts';
import { checksums } from './support/harness.ts';

/**
 * Bad input through the whole pipeline: each case is a run of its own (a re-run of one date that
 * already has good outputs) against one env with in-process workers. Each fails at once with a
 * message naming the source, the object and, where it applies, the row and column; no output of
 * the date changes; the workers keep serving the good run enqueued among them. A BOM and CRLF line
 * ends are not bad input: those runs succeed with the outputs of the plain file.
 */

const CLEAN_DATE = '2024-06-11';

let env: PipelineEnv;
let inputDir: string;
beforeAll(async () => {
  env = await createPipelineEnv();
  inputDir = path.join(env.lakeDir, '..', `${env.env.QUEUE_PREFIX}-inputs`);
  await mkdir(inputDir, { recursive: true });
});
afterAll(async () => {
  await env.close();
  await rm(inputDir, { recursive: true, force: true });
});

async function inputFile(name: string, content: Case['content']): Promise<string> {
  const file = path.join(inputDir, name);
  if (content === 'fifo') spawnSync('mkfifo', [file]);
  else if (content === 'dir') await mkdir(file);
  else if (content !== null && content !== 'lake') await writeFile(file, content);
  return file;
}

function withFile(date: string, source: SourceName, file: string, tag: string): RunSpec {
  const spec = generatedRun(date, { rerunTag: tag });
  spec.sources[source] = { kind: 'file', path: file } satisfies InputSpec;
  return spec;
}

function caseRun(c: Case, file: string, tag: string): RunSpec {
  const source = c.source ?? 'transactions';
  if (c.content !== 'lake') return withFile(DATE, source, file, tag);
  const spec = generatedRun(DATE, { rerunTag: tag });
  spec.sources[source] = { kind: 'lake', key: c.file };
  return spec;
}

/** The landing and dataset CSV objects of a date (metadata documents change with every run). */
async function dateObjects(date: string): Promise<Record<string, string>> {
  const all = await checksums(env.producer.lake);
  return Object.fromEntries(
    Object.entries(all).filter(([key]) => key.endsWith('.csv') && key.includes(`date=${date}`)),
  );
}

describe('bad input through the pipeline', () => {
  it('fails each run at once with source, object, row and column; nothing of the date changes', async () => {
    const [baseline] = await env.run([generatedRun(DATE)]);
    expect(baseline?.status).toBe('success');
    const before = await dateObjects(DATE);
    expect(Object.keys(before).filter((key) => key.startsWith('sales_etl/datasets/'))).toHaveLength(3);

    const specs = await Promise.all(
      CASES.map(async (c, i) => caseRun(c, await inputFile(c.file, c.content), `bad${i}`)),
    );
    const good = generatedRun('2024-06-12');
    const outcomes = await env.run([...specs, good], 60_000);

    const failures = CASES.map((c, i) => describeFailure(c, outcomes[i] as RunOutcome));
    expect(failures).toEqual(CASES.map(expected));
    expect(outcomes.at(-1)?.status).toBe('success'); // the workers kept serving
    expect(await dateObjects(DATE)).toEqual(before);
  });

  it('reads a BOM and CRLF line ends as the plain file: those runs succeed, with the same bytes', async () => {
    const plain = `${H}\n${rows(12, CLEAN_DATE)}\n`;
    const variants = {
      'bom.csv': `\uFEFF${plain}`,
      'crlf.csv': plain.replaceAll('\n', '\r\n'),
      'bom-crlf.csv': `\uFEFF${plain.replaceAll('\n', '\r\n')}`,
    };
    const [reference] = await env.run([
      withFile(CLEAN_DATE, 'transactions', await inputFile('plain.csv', plain), 'plain'),
    ]);
    expect(reference?.status).toBe('success');
    const expectedObjects = await dateObjects(CLEAN_DATE);
    for (const [name, content] of Object.entries(variants)) {
      const [outcome] = await env.run([
        withFile(CLEAN_DATE, 'transactions', await inputFile(name, content), name.replace('.csv', '')),
      ]);
      expect(outcome?.status, name).toBe('success');
      expect(await dateObjects(CLEAN_DATE), name).toEqual(expectedObjects);
    }
  });
});

/** What a case's message must name: label → the text that names it. */
function named(c: Case): [string, string][] {
  const source = c.source ?? 'transactions';
  return [
    ['source', `source ${source}`],
    ['object', c.content === 'lake' ? c.file : path.join(inputDir, c.file)],
    ...(c.at?.row !== undefined ? [['row', `row ${c.at.row}`] as [string, string]] : []),
    ...(c.at?.column !== undefined ? [['column', `column ${c.at.column}`] as [string, string]] : []),
  ];
}

/** What the failing step of a case's run says, in the shape of {@link expected}. */
function describeFailure(c: Case, outcome: RunOutcome) {
  const step = outcome.record?.steps.find((s) => s.name === `ingest_${c.source ?? 'transactions'}`);
  const error = step?.error ?? outcome.error ?? '';
  const names = Object.fromEntries(named(c).map(([label, text]) => [label, error.includes(text)]));
  const shown = outcome.status === 'failed' ? {} : { error };
  return {
    name: c.name,
    status: outcome.status,
    attempts: step?.attempts,
    code: error.split(':')[0],
    names,
    ...shown,
  };
}

function expected(c: Case) {
  const names = Object.fromEntries(named(c).map(([label]) => [label, true]));
  return { name: c.name, status: 'failed', attempts: 1, code: c.code, names };
}
