/** Where in the data an error applies; every field optional, each one named in the message. */
export interface ErrorLocation {
  source?: string;
  key?: string;
  /** 1-based data row (the header is row 0). */
  row?: number;
  column?: string;
}

export interface PipelineErrorOptions {
  code: string;
  cause?: unknown;
  /** Whether a retry may succeed. Defaults: InputError false, StorageError true, ConfigError false. */
  retryable?: boolean;
  location?: ErrorLocation;
}

/** Base of the few error classes the product throws. `code` is stable; match on it, not on messages. */
export class PipelineError extends Error {
  override name = 'PipelineError';
  readonly code: string;
  readonly retryable: boolean;
  readonly location: ErrorLocation | undefined;

  constructor(message: string, options: PipelineErrorOptions) {
    super(withLocation(message, options.location), { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.location = options.location;
  }
}

/** Bad configuration or command-line arguments: stops start-up, never retried. */
export class ConfigError extends PipelineError {
  override name = 'ConfigError';
  constructor(
    message: string,
    options: Omit<PipelineErrorOptions, 'retryable'> = { code: 'CONFIG_INVALID' },
  ) {
    super(message, { ...options, retryable: false });
  }
}

/** Bad input data (malformed file, schema violation, bad payload): fails the job at once, never retried. */
export class InputError extends PipelineError {
  override name = 'InputError';
  constructor(message: string, options: Omit<PipelineErrorOptions, 'retryable'>) {
    super(message, { ...options, retryable: false });
  }
}

/** A storage operation failed. Retryable unless the backend knows better (missing object, access denied). */
export class StorageError extends PipelineError {
  override name = 'StorageError';
  constructor(message: string, options: PipelineErrorOptions) {
    super(message, { retryable: true, ...options });
  }
}

function withLocation(message: string, location: ErrorLocation | undefined): string {
  if (!location) return message;
  const parts: string[] = [];
  if (location.source !== undefined) parts.push(`source ${location.source}`);
  if (location.key !== undefined) parts.push(`object ${location.key}`);
  if (location.row !== undefined) parts.push(`row ${location.row}`);
  if (location.column !== undefined) parts.push(`column ${location.column}`);
  return parts.length > 0 ? `${message} (${parts.join(', ')})` : message;
}

/**
 * True when retrying cannot help: our own non-retryable errors and BullMQ's `UnrecoverableError`,
 * recognised by name so that this module (imported by every part of src/lib) does not load BullMQ; the
 * worker maps errors to BullMQ's class (src/workers/step.ts).
 */
export function isPermanent(error: unknown): boolean {
  if (error instanceof Error && error.name === 'UnrecoverableError') return true;
  return error instanceof PipelineError && !error.retryable;
}

/** The message of any thrown value, for logs and run records. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
