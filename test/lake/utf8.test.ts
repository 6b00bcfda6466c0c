import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeStrictUtf8, validUtf8Chunks } from '../../src/lib/lake/utf8.ts';

const TEXT = `a,é,日本,😀,z${'x'.repeat(70_000)}ü😀\n`.repeat(3);

async function decode(chunks: Uint8Array[]): Promise<string> {
  let text = '';
  for await (const piece of decodeStrictUtf8(Readable.from(chunks))) text += piece;
  return text;
}

describe('strict UTF-8 decoding', () => {
  it('decodes whatever the chunk boundaries, in pieces that keep characters whole', async () => {
    const bytes = Buffer.from(TEXT, 'utf8');
    for (const size of [1, 2, 3, 5, 7, 4096, 65_535, 65_536, 65_537, bytes.length]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(await decode(chunks), `chunk size ${size}`).toBe(TEXT);
    }
    const pieces: string[] = [];
    for await (const piece of decodeStrictUtf8(Readable.from([bytes]))) pieces.push(piece);
    expect(pieces.every((piece) => Buffer.byteLength(piece) <= 64 * 1024)).toBe(true);
    expect(pieces.join('')).toBe(TEXT);
  });

  it('refuses what a fatal TextDecoder refuses', async () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const cases = [[0xff], [0xc3], [0xe6, 0x97], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80]];
    for (const bad of cases) {
      const bytes = Buffer.concat([Buffer.from('ok,'), Buffer.from(bad), Buffer.from(',ok\n')]);
      expect(() => fatal.decode(bytes)).toThrow();
      for (const size of [1, 2, 4, bytes.length]) {
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
        await expect(decode(chunks)).rejects.toMatchObject({ code: 'INVALID_ENCODING' });
      }
    }
  });

  it('refuses a sequence cut short at the end', async () => {
    await expect(decode([Buffer.from('abc'), Buffer.from([0xe6, 0x97])])).rejects.toMatchObject({
      code: 'INVALID_ENCODING',
      message: expect.stringContaining('truncated'),
    });
  });

  it('hands checked bytes on as whole characters', async () => {
    const bytes = Buffer.from('日本語😀', 'utf8');
    const chunks = [bytes.subarray(0, 1), bytes.subarray(1, 4), bytes.subarray(4, 11), bytes.subarray(11)];
    const out: Buffer[] = [];
    for await (const chunk of validUtf8Chunks(Readable.from(chunks))) out.push(chunk as Buffer);
    expect(out.map((chunk) => chunk.toString('utf8'))).toEqual(['', '日', '本語', '😀'].filter(Boolean));
  });
});
