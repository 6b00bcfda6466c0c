/**
 * Child process of gc-tuning.test.ts. Applies the worker's GC tuning and prints `tuned <bool>`. With
 * the argument `garbage`, it then traces young collections (`--trace-gc-nvp`: one line per collection,
 * naming the milliseconds helper threads spent in it) while allocating short-lived strings. Last, it
 * asks V8 for `--help`, which lists every flag with its value now (under the label `default`) and
 * exits 0: V8 has no other way to read a flag back.
 *
 * Only `tuned` is printed by node, before V8 prints anything: V8 writes through its own stdio buffer,
 * and a line of node's in between could land inside one of V8's.
 */
import v8 from 'node:v8';
import { tuneGarbageCollector } from '../../../src/workers/gc-tuning.ts';

console.log(`tuned ${tuneGarbageCollector()}`);
if (process.argv.includes('garbage')) {
  v8.setFlagsFromString('--trace-gc-nvp'); // only now, so start-up collections are not traced
  let length = 0;
  for (let i = 0; i < 300_000; i++) length += `${i},${i * 2},a${i % 97}`.split(',')[1]?.length ?? 0;
  v8.setFlagsFromString('--no-trace-gc-nvp');
  if (length === 0) throw new Error('the strings were not built');
}
v8.setFlagsFromString('--help');
