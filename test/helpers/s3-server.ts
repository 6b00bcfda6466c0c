import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

const SCRIPTS = fileURLToPath(new URL('../../scripts/', import.meta.url));
const TOOLS = ['radosgw', 'radosgw-admin', 'ceph', 'ceph-mon', 'ceph-osd', 'ceph-authtool', 'monmaptool'];
/** Measured start-up is 1.2–1.5 s; a loaded CI machine gets a generous bound before we give up. */
const READY_TIMEOUT_MS = 45_000;
const run = promisify(execFile);

/** A running S3 server for one test file, and how to reach it. */
export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Milliseconds from spawning the start script to the gateway's first HTTP answer (0 if external). */
  startMs: number;
  /** A client with the server's credentials and the settings the lake uses; destroyed by `stop`. */
  client: S3Client;
  /** Creates a bucket named `<name>-<random>` and returns its name. */
  createBucket(name: string): Promise<string>;
  /** Stops the server and removes its directory. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Why the S3 tests cannot run here, or `undefined` when they should run. With `CI=true` it is always
 * `undefined`, so a missing or broken server fails the suite instead of skipping it; with
 * `S3_TEST_ENDPOINT` set, that external server is used and nothing needs to be installed.
 */
export function s3TestSkipReason(): string | undefined {
  if (process.env.CI === 'true' || process.env.S3_TEST_ENDPOINT) return undefined;
  const missing = TOOLS.filter((tool) => !onPath(tool));
  if (missing.length === 0) return undefined;
  return `radosgw not installed (missing ${missing.join(', ')}): run scripts/install-test-deps.sh`;
}

/**
 * Starts a throwaway Ceph cluster with radosgw (scripts/s3-test-server.sh) on free ports in a temp
 * directory and waits until the gateway answers HTTP. The instance stops itself if this process dies.
 * Set `S3_TEST_ENDPOINT` (and `S3_TEST_ACCESS_KEY`, `S3_TEST_SECRET_KEY`) to use a running server.
 * @throws Error with the script's output and the daemons' log tails when the server does not start
 */
export async function startS3TestServer(): Promise<S3TestServer> {
  const accessKeyId = process.env.S3_TEST_ACCESS_KEY ?? 'test';
  const secretAccessKey = process.env.S3_TEST_SECRET_KEY ?? 'testtesttest';
  const external = process.env.S3_TEST_ENDPOINT;
  if (external) {
    return serverAt(external, accessKeyId, secretAccessKey, 0, async () => undefined);
  }

  const dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-s3-'));
  const [rgwPort, monPort] = await freePorts(2);
  const started = performance.now();
  const child = spawn(
    'bash',
    [path.join(SCRIPTS, 's3-test-server.sh'), dir, String(rgwPort), String(monPort)],
    {
      env: {
        ...process.env,
        S3_ACCESS_KEY: accessKeyId,
        S3_SECRET_KEY: secretAccessKey,
        S3_TEST_SERVER_OWNER_PID: String(process.pid),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exit: string | undefined;
  const exited = once(child, 'exit').then(([code, signal]) => {
    exit = signal ? `signal ${signal}` : `exit code ${code}`;
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await run(path.join(SCRIPTS, 's3-test-server-stop.sh'), [dir]).catch(() => undefined);
    if (exit === undefined) child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };

  const endpoint = `http://127.0.0.1:${rgwPort}`;
  try {
    await waitForGateway(endpoint, () => exit);
  } catch (error) {
    const logs = await logTails(dir);
    await stop();
    throw new Error(
      `the S3 test server did not start: ${(error as Error).message}\n--- script output ---\n${output}${logs}`,
      { cause: error },
    );
  }
  return serverAt(endpoint, accessKeyId, secretAccessKey, Math.round(performance.now() - started), stop);
}

function serverAt(
  endpoint: string,
  accessKeyId: string,
  secretAccessKey: string,
  startMs: number,
  stopServer: () => Promise<void>,
): S3TestServer {
  const region = 'us-east-1';
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    startMs,
    client,
    async createBucket(name) {
      const bucket = `${name}-${randomBytes(4).toString('hex')}`.toLowerCase();
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return bucket;
    },
    async stop() {
      client.destroy();
      await stopServer();
    },
  };
}

/** Polls until the gateway answers any HTTP response; fails early when the start script exits. */
async function waitForGateway(endpoint: string, exitStatus: () => string | undefined): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (performance.now() < deadline) {
    const exit = exitStatus();
    if (exit !== undefined) throw new Error(`the start script ended (${exit}) before the gateway answered`);
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch (error) {
      lastError = error;
    }
    // The only wait in the S3 tests: readiness is a port that starts answering, there is no event.
    await delay(50);
  }
  throw new Error(`no answer from ${endpoint} within ${READY_TIMEOUT_MS} ms (last: ${String(lastError)})`);
}

async function logTails(dir: string): Promise<string> {
  const logDir = path.join(dir, 'log');
  const files = await readdir(logDir).catch(() => [] as string[]);
  const tails = await Promise.all(
    files.map(async (file) => {
      const text = await readFile(path.join(logDir, file), 'utf8').catch(() => '');
      return `\n--- ${file} (tail) ---\n${text.split('\n').slice(-15).join('\n')}`;
    }),
  );
  return tails.join('');
}

/** Ports the OS considers free right now (all held open together, so they are distinct). */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    }
    return servers.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(path.join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
