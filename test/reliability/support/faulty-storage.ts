import { Readable } from 'node:stream';
import { StorageError } from '../../../src/lib/errors.ts';
import type { StorageBackend, WriteBody, WrittenObject } from '../../../src/lib/lake/storage.ts';

/** A storage operation a fault can target. */
export type StorageOp = 'get' | 'getStream' | 'put' | 'putStream' | 'exists' | 'list' | 'delete';

/**
 * One injected fault: the next `times` calls of `ops` on keys matching `keys` fail with a retryable
 * `StorageError` (`fail`: before any byte is taken; `fail-late`: after the whole body was read, as
 * when the final commit of an upload fails) or never return (`hang`: a stream write still honours
 * its abort signal, as every real backend does; other calls ignore it, as a stuck socket would).
 */
export interface FaultRule {
  ops: StorageOp[];
  keys: RegExp;
  action: 'fail' | 'fail-late' | 'hang';
  times: number;
}

/** A call the wrapper saw, and the fault it injected, if any. */
export interface StorageCall {
  op: StorageOp;
  key: string;
  at: number;
  fault?: FaultRule['action'];
}

/**
 * A test-only {@link StorageBackend} around a real one that injects faults on chosen calls, so the
 * retry, backoff and timeout paths run against real workers and a real lake.
 */
export class FaultyStorage implements StorageBackend {
  readonly url: string;
  readonly calls: StorageCall[] = [];
  private readonly rules: FaultRule[] = [];

  constructor(private readonly inner: StorageBackend) {
    this.url = inner.url;
  }

  /** Adds a fault; rules are matched in the order they were added. */
  inject(rule: FaultRule): this {
    this.rules.push({ ...rule });
    return this;
  }

  /** The calls of `op` on keys matching `keys`, in order. */
  callsOf(op: StorageOp, keys: RegExp): StorageCall[] {
    return this.calls.filter((call) => call.op === op && keys.test(call.key));
  }

  private fault(op: StorageOp, key: string): FaultRule['action'] | undefined {
    const rule = this.rules.find((r) => r.times > 0 && r.ops.includes(op) && r.keys.test(key));
    if (rule) rule.times -= 1;
    this.calls.push({ op, key, at: Date.now(), ...(rule ? { fault: rule.action } : {}) });
    return rule?.action;
  }

  private async apply<T>(op: StorageOp, key: string, call: () => Promise<T>): Promise<T> {
    const fault = this.fault(op, key);
    if (fault === 'hang') return new Promise<T>(() => undefined);
    if (fault) throw hiccup(op, key);
    return call();
  }

  get(key: string): Promise<Buffer> {
    return this.apply('get', key, () => this.inner.get(key));
  }

  getStream(key: string): Promise<Readable> {
    return this.apply('getStream', key, () => this.inner.getStream(key));
  }

  put(key: string, data: Uint8Array | string): Promise<WrittenObject> {
    return this.apply('put', key, () => this.inner.put(key, data));
  }

  async putStream(key: string, body: WriteBody, signal?: AbortSignal): Promise<WrittenObject> {
    const fault = this.fault('putStream', key);
    if (fault === undefined) return this.inner.putStream(key, body, signal);
    if (fault === 'fail-late') {
      for await (const _chunk of body) {
        // read it all: the failure comes at the very end
      }
      throw hiccup('putStream', key);
    }
    // Like a real backend's pipeline: the body is destroyed, so a writer waiting for it to drain
    // learns of the failure (or the abort) instead of waiting forever.
    const error = fault === 'fail' ? hiccup('putStream', key) : await aborted(signal);
    if (body instanceof Readable) body.destroy(error);
    throw error;
  }

  exists(key: string): Promise<boolean> {
    return this.apply('exists', key, () => this.inner.exists(key));
  }

  list(prefix: string): Promise<string[]> {
    return this.apply('list', prefix, () => this.inner.list(prefix));
  }

  delete(key: string): Promise<void> {
    return this.apply('delete', key, () => this.inner.delete(key));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function hiccup(op: StorageOp, key: string): StorageError {
  return new StorageError(`injected storage hiccup: ${op} failed`, {
    code: 'STORAGE_IO',
    location: { key },
  });
}

/** Resolves with the abort reason once `signal` aborts (never, without a signal). */
function aborted(signal: AbortSignal | undefined): Promise<Error> {
  return new Promise((resolve) => {
    if (!signal) return;
    const done = () => resolve(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  });
}
