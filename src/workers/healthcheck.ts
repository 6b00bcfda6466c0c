import { stat } from 'node:fs/promises';
import { HEARTBEAT_MAX_AGE_MS } from './heartbeat.ts';

const USAGE = 'Usage: node dist/src/workers/healthcheck.js HEARTBEAT_FILE [MAX_AGE_SECONDS]';

/**
 * `node dist/src/workers/healthcheck.js FILE [MAX_AGE_SECONDS]`: exits 0 when a worker started with
 * `--heartbeat FILE` wrote it within MAX_AGE_SECONDS (default 30), 1 when the file is older or
 * missing, 2 on bad arguments. For Docker's HEALTHCHECK or a Kubernetes exec probe: it opens no
 * connection and loads nothing else, so it is cheap and a hung Redis cannot hang it.
 */
async function main(argv: string[]): Promise<number> {
  const [file, maxAge] = argv;
  const maxAgeMs = maxAge === undefined ? HEARTBEAT_MAX_AGE_MS : Number(maxAge) * 1000;
  if (!file || argv.length > 2 || !(maxAgeMs > 0)) {
    console.error(USAGE);
    return 2;
  }
  const written = await stat(file).then(
    (info) => info.mtimeMs,
    () => undefined,
  );
  if (written === undefined) {
    console.error(`unhealthy: no heartbeat file ${file} (is the worker started with --heartbeat ${file}?)`);
    return 1;
  }
  const ageMs = Date.now() - written;
  if (ageMs > maxAgeMs) {
    console.error(
      `unhealthy: heartbeat ${file} is ${Math.round(ageMs / 1000)} s old (limit ${maxAgeMs / 1000} s)`,
    );
    return 1;
  }
  console.log(`healthy: heartbeat ${Math.max(0, Math.round(ageMs / 1000))} s old`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
