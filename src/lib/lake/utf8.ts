import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { type ErrorLocation, InputError } from '../errors.ts';

/** Text is decoded in pieces of at most this many bytes (see {@link decodeStrictUtf8}). */
const DECODE_PIECE = 64 * 1024;

/**
 * Decodes UTF-8 strictly, so a Latin-1 file fails with its byte offset instead of turning into U+FFFD.
 * See {@link validUtf8Chunks}. Large chunks are decoded in pieces of at most 64 KiB, cut between
 * characters: a string above 128 KiB lands in V8's large-object space, and fields sliced out of it keep
 * all of it alive, so smaller pieces keep a reader's memory small.
 */
export async function* decodeStrictUtf8(
  input: Readable | AsyncIterable<Uint8Array | string>,
  location: ErrorLocation = {},
): AsyncGenerator<string> {
  for await (const chunk of validUtf8Chunks(input, location)) {
    if (typeof chunk === 'string') {
      yield chunk;
      continue;
    }
    for (let from = 0; from < chunk.length; ) {
      let to = Math.min(from + DECODE_PIECE, chunk.length);
      // Back up to the start of a character (never more than three continuation bytes).
      while (to < chunk.length && ((chunk[to] as number) & 0xc0) === 0x80) to--;
      yield chunk.toString('utf8', from, to);
      from = to;
    }
  }
}

/**
 * The input's bytes, checked to be UTF-8 (strings pass through): each chunk is checked with `isUtf8`,
 * native and several times faster than a fatal `TextDecoder`, and a sequence cut by the chunk's end is
 * carried over to the next chunk, so every chunk yielded holds whole characters.
 * @throws InputError `INVALID_ENCODING` with the byte range of the bad chunk
 */
export async function* validUtf8Chunks(
  input: Readable | AsyncIterable<Uint8Array | string>,
  location: ErrorLocation = {},
): AsyncGenerator<Buffer | string> {
  let carry: Buffer | undefined;
  let offset = 0;
  for await (const chunk of input) {
    if (typeof chunk === 'string') {
      yield chunk;
      continue;
    }
    const view = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const bytes = carry ? Buffer.concat([carry, view]) : view;
    const complete = completeLength(bytes);
    const head = bytes.subarray(0, complete);
    if (!isUtf8(head)) {
      const from = offset - (carry?.length ?? 0);
      throw new InputError(`the file is not valid UTF-8 (bad bytes within ${from}..${from + bytes.length})`, {
        code: 'INVALID_ENCODING',
        location,
      });
    }
    // A copy: the stream may reuse the chunk's memory, and the tail is at most three bytes.
    carry = complete < bytes.length ? Buffer.from(bytes.subarray(complete)) : undefined;
    offset += view.length;
    if (complete > 0) yield head;
  }
  if (carry) {
    throw new InputError('the file is not valid UTF-8 (truncated sequence at the end)', {
      code: 'INVALID_ENCODING',
      location,
    });
  }
}

/**
 * How many leading bytes form whole UTF-8 sequences, leaving out a sequence cut short at the end. Only
 * the last four bytes are looked at; anything malformed is left for `isUtf8` to refuse.
 */
function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  let lead = n - 1;
  while (lead >= 0 && lead > n - 4 && ((bytes[lead] as number) & 0xc0) === 0x80) lead--;
  if (lead < 0) return n;
  const byte = bytes[lead] as number;
  const length = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  return lead + length > n ? lead : n;
}
