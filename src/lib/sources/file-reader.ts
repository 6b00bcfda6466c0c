import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { type ErrorLocation, InputError, type PipelineError, StorageError } from '../errors.ts';
import { type CsvTable, DEFAULT_BATCH } from '../lake/csv.ts';
import { readCsv } from '../lake/csv-reader.ts';
import type { DataLake } from '../lake/data-lake.ts';
import { readParquet, readParquetObject } from '../lake/parquet-reader.ts';
import { fileSource } from '../lake/parquet-source.ts';
import { FILE_READ_BYTES } from '../lake/storage.ts';
import { decodeStrictUtf8 } from '../lake/utf8.ts';
import type { FileFormat, InputSpec } from '../pipeline/jobs.ts';
import { readJsonTable } from './json-records.ts';

/** An input that is a real file: a local path or a lake object. */
export type FileInputSpec = Extract<InputSpec, { kind: 'file' | 'lake' }>;

export interface OpenInputOptions {
  /** Where `lake` inputs are read from. */
  lake: DataLake;
  /** Named in error messages. */
  source?: string;
  /** Rows per batch; default `DEFAULT_BATCH` (lake/csv.ts). */
  batchSize?: number;
}

const EXTENSIONS: Readonly<Record<string, FileFormat>> = {
  '.csv': 'csv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.parquet': 'parquet',
};

/** A table read from an input, with a way to let go of the input if its rows are not read at all. */
export interface InputTable extends CsvTable {
  /**
   * Releases the file or object stream when the rows will not be read to the end (reading them to
   * the end, or stopping an iteration early, releases it by itself). Safe to call more than once.
   */
  close(): void;
}

/**
 * The input's format: `format` when given, else from the extension (.csv, .json, .ndjson, .jsonl,
 * .parquet).
 * @throws InputError `UNKNOWN_FORMAT`
 */
export function resolveFormat(spec: FileInputSpec): FileFormat {
  if (spec.format) return spec.format;
  const name = inputName(spec);
  const format = EXTENSIONS[path.posix.extname(name).toLowerCase()];
  if (format) return format;
  throw new InputError(
    `cannot tell the format of ${name} from its extension; name it .csv, .json, .ndjson, .jsonl or .parquet, or set format`,
    { code: 'UNKNOWN_FORMAT' },
  );
}

/**
 * Opens a real input as a streamed table of text fields: CSV through `readCsv` (BOM, strict UTF-8,
 * strict quoting), a JSON array of objects, NDJSON, or Parquet one row group at a time (its values as
 * the text the CSV writer writes for them, see `readParquet`; a lake object of a backend without range
 * reads is spooled to a temporary file first). The header is read before this resolves, so an empty
 * or malformed start fails here, before anything is written.
 * @throws InputError `NOT_FOUND` (a missing local file), `NOT_A_FILE`, `ACCESS_DENIED`,
 * `UNKNOWN_FORMAT`, and the readers' codes; StorageError `NOT_FOUND` (a missing lake object, not
 * retryable) or `STORAGE_IO` (retryable)
 */
export async function openInput(spec: FileInputSpec, options: OpenInputOptions): Promise<InputTable> {
  const format = resolveFormat(spec);
  const location: ErrorLocation = { source: options.source, key: inputName(spec) };
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const openBytes = () =>
    spec.kind === 'file' ? openLocalFile(spec.path) : options.lake.storage.getStream(spec.key);
  if (format === 'parquet') {
    const table =
      spec.kind === 'file'
        ? await readParquet(await openLocalParquet(spec.path), { location, batchSize })
        : await readParquetObject(options.lake.storage, spec.key, { location, batchSize });
    return { header: table.header, batches: table.batches, close: () => void table.close() };
  }
  if (format === 'csv') {
    const stream = await openBytes();
    const table = await readCsv(stream, { location, batchSize });
    return { ...table, close: () => void stream.destroy() };
  }
  const openText = async () => decodeStrictUtf8(await openBytes(), location);
  // The JSON readers open the input per pass, inside the iteration: nothing stays open before it.
  return { ...(await readJsonTable(openText, format, { location, batchSize })), close: () => undefined };
}

/** The path or key that names the input in messages. */
function inputName(spec: FileInputSpec): string {
  return spec.kind === 'file' ? spec.path : spec.key;
}

/** A local Parquet file, read by ranges (its footer first): the same checks as {@link openLocalFile}. */
async function openLocalParquet(file: string) {
  const handle = await openRegularFile(file);
  return fileSource(handle, async () => undefined);
}

async function openLocalFile(file: string): Promise<Readable> {
  const handle = await openRegularFile(file);
  // The stream closes the handle when it ends or is destroyed.
  return handle.createReadStream({ highWaterMark: FILE_READ_BYTES });
}

async function openRegularFile(file: string) {
  // Open (and stat) first, so a missing file fails with its path here, not inside a parser.
  // O_NONBLOCK: opening a named pipe would otherwise block until a writer appears (forever, holding a
  // libuv thread past the step timeout) before the regular-file check below could refuse it. It
  // changes nothing for regular files.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch((error: unknown) => {
    throw localFileError(error, file);
  });
  try {
    if (!(await handle.stat()).isFile()) {
      throw new InputError(`input is not a regular file: ${file}`, { code: 'NOT_A_FILE' });
    }
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

function localFileError(error: unknown, file: string): PipelineError {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') {
    return new InputError(`input file not found: ${file}`, { code: 'NOT_FOUND', cause: error });
  }
  const message = `cannot open input file ${file}: ${(error as Error)?.message}`;
  // A permission or path-shape problem stays on retry; I/O pressure (EMFILE, EIO) on a shared volume may not.
  if (code === 'EACCES' || code === 'EPERM' || code === 'ENOTDIR' || code === 'ELOOP') {
    return new InputError(message, { code: 'ACCESS_DENIED', cause: error });
  }
  return new StorageError(message, { code: 'STORAGE_IO', cause: error });
}
