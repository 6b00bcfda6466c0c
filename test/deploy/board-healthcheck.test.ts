import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/local-redis.ts';
import { type BoardEnv, startBoard } from '../board/board-env.ts';
import { type PrivateRedis, startPrivateRedis } from '../reliability/support/private-redis.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

let board: BoardEnv | undefined;
let redis: PrivateRedis | undefined;
afterEach(async () => {
  await board?.close();
  board = undefined;
  await redis?.close();
  redis = undefined;
});

/** Runs the board's health check as the container does (under tsx here; the image runs its build). */
async function healthcheck(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/board/healthcheck.ts', ...args],
      { cwd: ROOT },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('board healthcheck', () => {
  it("passes while the board's /healthz answers 200, fails on its 503 once Redis is gone", async () => {
    redis = await startPrivateRedis();
    board = await startBoard({ env: { REDIS_URL: redis.url } });
    expect(await healthcheck(`${board.url}/healthz`)).toEqual({
      code: 0,
      output: 'healthy: {"redis":"ok"}\n',
    });

    await redis.stop('SIGKILL');
    expect(await healthcheck(`${board.url}/healthz`)).toMatchObject({
      code: 1,
      output: expect.stringMatching(/^unhealthy: 503 .*unreachable/),
    });
  });

  it('fails when nothing answers, and on bad arguments', async () => {
    const url = `http://127.0.0.1:${await freePort()}/healthz`;
    expect(await healthcheck(url)).toMatchObject({ code: 1, output: expect.stringMatching(/ECONNREFUSED/) });
    expect(await healthcheck()).toMatchObject({ code: 2, output: expect.stringMatching(/^Usage/) });
    expect(await healthcheck('not a url')).toMatchObject({ code: 2 });
  });
});
