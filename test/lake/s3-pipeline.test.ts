import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { type S3TestServer, s3TestSkipReason, startS3TestServer } from '../helpers/s3-server.ts';

const skipReason = s3TestSkipReason();
if (skipReason) console.warn(`S3 pipeline test skipped: ${skipReason}`);

/** Every object of a lake: key → sha256 for data files, key only for documents with timestamps. */
async function lakeFingerprint(env: PipelineEnv): Promise<Record<string, string>> {
  const storage = env.producer.lake.storage;
  const fingerprint: Record<string, string> = {};
  for (const key of await storage.list('')) {
    fingerprint[key] = key.endsWith('.csv') ? sha256(await storage.get(key)) : 'document';
  }
  return fingerprint;
}

describe.skipIf(skipReason !== undefined)('the pipeline on an S3 lake (Ceph radosgw)', () => {
  let server: S3TestServer;
  const envs: PipelineEnv[] = [];

  beforeAll(async () => {
    server = await startS3TestServer();
    // Workers take credentials from the AWS SDK's usual chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = server.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = server.secretAccessKey;
  });
  afterEach(async () => {
    await Promise.all(envs.splice(0).map((env) => env.close()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('writes the same keys and bytes as on a local directory', async () => {
    const bucket = await server.createBucket('pipeline');
    const onS3 = await createPipelineEnv({
      env: { LAKE_URL: `s3://${bucket}/lake`, S3_ENDPOINT: server.endpoint, AWS_REGION: server.region },
    });
    envs.push(onS3);
    const local = await createPipelineEnv();
    envs.push(local);
    const specs = [generatedRun('2024-01-20'), generatedRun('2024-01-21')];

    const s3Outcomes = await onS3.run(specs, 60_000);
    const localOutcomes = await local.run(specs, 60_000);
    expect(s3Outcomes.map((outcome) => outcome.status)).toEqual(['success', 'success']);
    expect(localOutcomes.map((outcome) => outcome.status)).toEqual(['success', 'success']);
    expect(onS3.producer.lake.storage.url).toBe(`s3://${bucket}/lake`);

    const s3Lake = await lakeFingerprint(onS3);
    expect(Object.keys(s3Lake)).toContain(lakeKeys.dataset('sales_etl', 'enriched', '2024-01-21'));
    expect(s3Lake).toEqual(await lakeFingerprint(local));
    // The run record's lineage checksums describe the bytes on S3.
    const record = s3Outcomes[0]?.record;
    for (const ref of record?.lineage.outputs ?? []) expect(s3Lake[ref.key]).toBe(ref.sha256);
  });
});
