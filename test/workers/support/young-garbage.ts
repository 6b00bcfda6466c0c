/**
 * Child process of gc-tuning.test.ts: applies the worker's GC tuning, then turns on V8's scavenge
 * traces (only now, so start-up collections are not counted) and allocates short-lived strings.
 * Prints `tuned <bool>`; V8 prints one `Scavenge` line per young collection and one `scavenge[…]`
 * line per task that took part in it.
 */
import v8 from 'node:v8';
import { tuneGarbageCollector } from '../../../src/workers/gc-tuning.ts';

console.log(`tuned ${tuneGarbageCollector()}`);
v8.setFlagsFromString('--trace-gc');
v8.setFlagsFromString('--trace-parallel-scavenge');
let length = 0;
for (let i = 0; i < 1_000_000; i++) length += `${i},${i * 2},a${i % 97}`.split(',')[1]?.length ?? 0;
console.log(`done ${length}`);
