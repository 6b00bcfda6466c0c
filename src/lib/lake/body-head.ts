import { Readable } from 'node:stream';
import { abortable, abortError } from '../abort.ts';
import { chunkBuffer, type WriteBody } from './storage.ts';

/** A body read up to a limit: whole (`data`), or as a stream of all of it (`rest`). */
export type BodyHead = { whole: true; data: Buffer } | { whole: false; rest: Readable };

/**
 * Reads `body` until it ends or `limit` bytes have arrived. A body that ends within the limit comes
 * back as one Buffer, so a small object can be written with one call instead of through a write
 * stream; a longer one comes back as a stream of everything (the chunks read so far, then the rest,
 * read on demand). On an error or an abort the body is released (destroyed); an abort rejects with an
 * `AbortError` whose cause is the signal's reason, as `stream.pipeline` does.
 */
export async function readHead(body: WriteBody, limit: number, signal?: AbortSignal): Promise<BodyHead> {
  const iterator = (body as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  // Destroying a stream also settles a read it has pending (a stalled body would hold `return()`).
  const release = () => {
    if (typeof (body as Readable).destroy === 'function') (body as Readable).destroy();
    iterator.return?.().catch(() => undefined);
  };
  const head: Buffer[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const next = await abortable(iterator.next(), signal, abortError);
      if (next.done)
        return { whole: true, data: head.length === 1 ? (head[0] as Buffer) : Buffer.concat(head) };
      const chunk = chunkBuffer(next.value);
      head.push(chunk);
      size += chunk.length;
    }
  } catch (error) {
    release();
    throw error;
  }
  async function* everything(): AsyncGenerator<Buffer | Uint8Array | string> {
    try {
      yield* head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      release(); // closed early (an error or abort downstream): the body goes too
    }
  }
  return { whole: false, rest: Readable.from(everything(), { objectMode: false }) };
}
