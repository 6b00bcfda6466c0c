/**
 * A process that writes lake objects through the real LocalStorage and DataLake, for tests that kill
 * it mid-write. Usage:
 *
 *   node --import tsx crashing-writer.ts <lakeDir> <key> <mode> <fill>
 *
 * - `stall`: streams half of an 8 MiB object filled with the character `fill`, prints `half`, then
 *   waits forever (the test kills it there: a crash in the middle of `putStream`).
 * - `csv-stall`: the same through `DataLake.openCsvWriter`, as ingestion and transform write.
 * - `loop`: writes the object again and again, alternating between `fill` and `fill`+1, printing
 *   `put <n> start` and `put <n> done` around each write.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { DataLake } from '../../../src/lib/lake/data-lake.ts';
import { LocalStorage } from '../../../src/lib/lake/local-storage.ts';

const OBJECT_BYTES = 8 * 1024 * 1024;
const CHUNK = 64 * 1024;

const [lakeDir, key, mode, fill] = process.argv.slice(2) as [string, string, string, string];
const storage = new LocalStorage(lakeDir);
const say = (line: string) => process.stdout.write(`${line}\n`);
const forever = () => new Promise<never>(() => setInterval(() => undefined, 60_000));

/** Chunks of one repeated character; `stallAfter` chunks in, announces `half` and never goes on. */
async function* body(char: string, stallAfter = Number.POSITIVE_INFINITY): AsyncGenerator<Buffer> {
  const chunk = Buffer.alloc(CHUNK, char);
  for (let i = 0; i < OBJECT_BYTES / CHUNK; i++) {
    if (i === stallAfter) {
      say('half');
      await forever();
    }
    yield chunk;
    await yieldToLoop(); // other callbacks (and the kill) can land between any two chunks
  }
}

if (mode === 'stall') {
  await storage.putStream(key, body(fill, OBJECT_BYTES / CHUNK / 2));
} else if (mode === 'csv-stall') {
  const writer = new DataLake(storage).openCsvWriter(key, ['id', 'text']);
  const rows = Array.from({ length: 1000 }, (_, i) => [String(i), fill.repeat(100)]);
  for (let batch = 0; batch < 50; batch++) await writer.write(rows);
  say('half');
  await forever();
} else if (mode === 'loop') {
  const chars = [fill, String.fromCharCode(fill.charCodeAt(0) + 1)];
  for (let n = 1; ; n++) {
    say(`put ${n} start`);
    await storage.putStream(key, body(chars[n % 2] as string));
    say(`put ${n} done`);
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
