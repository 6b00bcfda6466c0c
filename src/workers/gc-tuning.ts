import v8 from 'node:v8';

/** The flag a worker sets, and the one that keeps V8's default when given on node's command line. */
const OFF = '--no-parallel-scavenge';
const KEEP = '--parallel-scavenge';

/**
 * Whether a worker should turn V8's parallel scavenging off: yes, unless node was started with
 * `--parallel-scavenge` or `--no-parallel-scavenge` (an explicit choice wins).
 * @param execArgv node's own flags (default `process.execArgv`)
 */
export function shouldTurnOffParallelScavenge(execArgv: readonly string[] = process.execArgv): boolean {
  return !execArgv.some((arg) => arg === KEEP || arg === OFF);
}

/**
 * Makes young-generation collections run on the main thread alone (`--no-parallel-scavenge`), unless
 * node's command line chose otherwise. A worker's young collections are many and small (about 260 per
 * 1M-row backfill, each keeping about 1.4 MB alive): splitting each over V8's helper threads cost more
 * CPU than it saved, even for one worker with a core to spare, and with a worker per core the helpers
 * only take time from the other workers (docs/performance.md, sets 22-25). Concurrent marking and
 * sweeping for full collections stay on their threads. V8 reads the flag at each collection, so
 * setting it at start-up is enough (`NODE_OPTIONS` does not accept it).
 * @returns whether the flag was set
 */
export function tuneGarbageCollector(execArgv: readonly string[] = process.execArgv): boolean {
  if (!shouldTurnOffParallelScavenge(execArgv)) return false;
  v8.setFlagsFromString(OFF);
  return true;
}
