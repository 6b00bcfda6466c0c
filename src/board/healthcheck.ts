import { errorMessage } from '../lib/errors.ts';

const USAGE =
  "Usage: node dist/src/board/healthcheck.js URL   (the board's /healthz, e.g. http://127.0.0.1:3000/healthz)";
/** Below Docker's usual 5 s health-check timeout, so the check reports its own reason. */
const TIMEOUT_MS = 4_000;

/**
 * `node dist/src/board/healthcheck.js URL`: exits 0 when GET URL answers 200 within 4 s, 1 otherwise
 * (the board's /healthz answers 503 when Redis does not), 2 on bad arguments. For Docker's
 * HEALTHCHECK: the image has no curl or wget.
 */
async function main(argv: string[]): Promise<number> {
  const [url] = argv;
  if (url === undefined || argv.length > 1 || !URL.canParse(url)) {
    console.error(USAGE);
    return 2;
  }
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await response.text()).trim();
    if (response.ok) {
      console.log(`healthy: ${body}`);
      return 0;
    }
    console.error(`unhealthy: ${response.status} ${body}`);
  } catch (error) {
    // fetch's own message is only "fetch failed"; the cause says why (ECONNREFUSED, a timeout).
    const cause = (error as { cause?: unknown }).cause;
    console.error(`unhealthy: ${url}: ${errorMessage(error)}${cause ? ` (${errorMessage(cause)})` : ''}`);
  }
  return 1;
}

process.exitCode = await main(process.argv.slice(2));
