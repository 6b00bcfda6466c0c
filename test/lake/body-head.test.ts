import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { readHead } from '../../src/lib/lake/body-head.ts';

describe('readHead', () => {
  it('returns a body that ends within the limit whole', async () => {
    const head = await readHead(Readable.from(['a,b\n', Buffer.from('1,2\n')]), 1024);
    expect(head.whole).toBe(true);
    expect(head.whole && head.data.toString()).toBe('a,b\n1,2\n');
  });

  it('returns a longer body as a stream of all of it, the head first', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(3, '0')}${'x'.repeat(96)}\n`);
    const head = await readHead(Readable.from(chunks), 1000);
    expect(head.whole).toBe(false);
    if (head.whole) return;
    expect(await text(head.rest)).toBe(chunks.join(''));
  });

  it('rejects with an AbortError (cause: the reason) and releases the body, aborted before or during', async () => {
    const reason = new Error('worker shutting down');
    const before = new PassThrough();
    const aborted = AbortSignal.abort(reason);
    await expect(readHead(before, 1024, aborted)).rejects.toMatchObject({
      name: 'AbortError',
      cause: reason,
    });
    expect(before.destroyed).toBe(true);

    const during = new PassThrough();
    const controller = new AbortController();
    const reading = readHead(during, 1024, controller.signal);
    during.write('a,b\n'); // the body stalls after its first chunk
    controller.abort(reason);
    await expect(reading).rejects.toMatchObject({ name: 'AbortError', cause: reason });
    if (!during.destroyed) await once(during, 'close');
    expect(during.destroyed).toBe(true);
  });

  it("rethrows the body's error", async () => {
    const failure = new Error('disk gone');
    async function* failing() {
      yield 'a,b\n';
      throw failure;
    }
    await expect(readHead(failing(), 1024)).rejects.toBe(failure);
  });
});
