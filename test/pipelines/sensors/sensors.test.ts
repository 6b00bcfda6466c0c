import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defectCounts,
  IMPOSSIBLE_TEMPS,
  PLAUSIBLE_TEMP,
  readingOptions,
  SITE_NAMES,
} from '../../../pipelines/sensors/generator.ts';
import sensors from '../../../pipelines/sensors/pipeline.ts';
import { loadPipelineFile } from '../../../src/lib/definition/registry.ts';
import { runTransform, type TransformOutput } from '../../../src/lib/engine/run-transform.ts';
import { type GenerateRequest, generateTable } from '../../../src/lib/ingest/generate.ts';
import { ingestSource } from '../../../src/lib/ingest/ingest.ts';
import { lakeKeys } from '../../../src/lib/lake/keys.ts';
import { runQualityChecks } from '../../../src/lib/quality/run-checks.ts';
import { datasetRows } from '../../helpers/lake-data.ts';
import { createTempLake, type TempLake } from '../../helpers/temp-lake.ts';

const DATE = '2024-03-10';

// Readings chosen so every cleaning step has something to do. Row numbers are referred to below.
const READINGS = [
  'device_id,ts,temp_c,humidity,battery_pct',
  'DEV-001,2024-03-10 09:05:00,21.5,40.2,88', //  1
  'DEV-002,2024-03-10 09:10:00,22.25,38,75', //   2
  'DEV-003,2024-03-10 09:12:30,12.4,61.5,50', //  3
  'dev-001 ,2024-03-10 09:05:00,21.9,41,88', //   4 row 1 again once the id is normalised: dropped
  'DEV-002,2024-03-10 09:40:00,22.75,,74', //     5 no humidity: kept, the mean skips it
  'DEV-003,2024-03-10 09:42:30,-127,60.5,50', //  6 a disconnected probe: filtered out
  'NEW-001,2024-03-10 09:50:00,19,55,100', //     7 not in the registry: site unassigned
  'DEV-001,2024-03-10T10:05:00,21.75,40,87', //   8 a T separator: parsed to the canonical text
  'DEV-001,2024-03-10 10:05:00,21.8,40.1,87', //  9 row 8 again once parsed: dropped (the first wins)
  'DEV-003,2024-03-10 10:12:30,13,60,49', //     10
  'Dev-002,2024-03-10 10:10:00,23,37.5,74', //   11 messy case: DEV-002
  'DEV-003,2024-03-10 10:42:30,13.25,59.25,49', // 12
  'DEV-002,2024-03-10 10:40:00,327.67,37,73', // 13 an int16 overflow: filtered out
];
const DEVICES = [
  'device_id,site,model,installed',
  'DEV-001,oslo-dc,TH-100,2023-01-15',
  'DEV-002,oslo-dc,TH-200,2023-06-01',
  'DEV-003,lyon-warehouse,ENV-PRO,2022-11-30',
];

// Rows 4 and 9 are duplicates, rows 6 and 13 impossible: nine readings remain, in input order.
// Cells no step changes keep their text (38, 19, 23 stay as written).
const READINGS_CLEAN = [
  'device_id,ts,temp_c,humidity,battery_pct,reading_key',
  'DEV-001,2024-03-10 09:05:00,21.5,40.2,88,DEV-001@2024-03-10 09:05:00',
  'DEV-002,2024-03-10 09:10:00,22.25,38,75,DEV-002@2024-03-10 09:10:00',
  'DEV-003,2024-03-10 09:12:30,12.4,61.5,50,DEV-003@2024-03-10 09:12:30',
  'DEV-002,2024-03-10 09:40:00,22.75,,74,DEV-002@2024-03-10 09:40:00',
  'NEW-001,2024-03-10 09:50:00,19,55,100,NEW-001@2024-03-10 09:50:00',
  'DEV-001,2024-03-10 10:05:00,21.75,40,87,DEV-001@2024-03-10 10:05:00',
  'DEV-003,2024-03-10 10:12:30,13,60,49,DEV-003@2024-03-10 10:12:30',
  'DEV-002,2024-03-10 10:10:00,23,37.5,74,DEV-002@2024-03-10 10:10:00',
  'DEV-003,2024-03-10 10:42:30,13.25,59.25,49,DEV-003@2024-03-10 10:42:30',
];
// NEW-001 has no registry row: the lookup gives nulls, which fillNull makes unassigned / unknown.
const READINGS_ENRICHED = [
  'device_id,ts,temp_c,humidity,battery_pct,reading_key,site,model',
  'DEV-001,2024-03-10 09:05:00,21.5,40.2,88,DEV-001@2024-03-10 09:05:00,oslo-dc,TH-100',
  'DEV-002,2024-03-10 09:10:00,22.25,38,75,DEV-002@2024-03-10 09:10:00,oslo-dc,TH-200',
  'DEV-003,2024-03-10 09:12:30,12.4,61.5,50,DEV-003@2024-03-10 09:12:30,lyon-warehouse,ENV-PRO',
  'DEV-002,2024-03-10 09:40:00,22.75,,74,DEV-002@2024-03-10 09:40:00,oslo-dc,TH-200',
  'NEW-001,2024-03-10 09:50:00,19,55,100,NEW-001@2024-03-10 09:50:00,unassigned,unknown',
  'DEV-001,2024-03-10 10:05:00,21.75,40,87,DEV-001@2024-03-10 10:05:00,oslo-dc,TH-100',
  'DEV-003,2024-03-10 10:12:30,13,60,49,DEV-003@2024-03-10 10:12:30,lyon-warehouse,ENV-PRO',
  'DEV-002,2024-03-10 10:10:00,23,37.5,74,DEV-002@2024-03-10 10:10:00,oslo-dc,TH-200',
  'DEV-003,2024-03-10 10:42:30,13.25,59.25,49,DEV-003@2024-03-10 10:42:30,lyon-warehouse,ENV-PRO',
];
// Groups sorted by (site, hour_start), sites by code point: lyon-warehouse < oslo-dc < unassigned.
//
// lyon-warehouse 09:00, row 3 only (row 6 was filtered): every measure is row 3's value.
// lyon-warehouse 10:00, rows 10 and 12:
//   temp_mean     (13 + 13.25) / 2 = 13.125 (exact in binary) → ×100 = 1312.5, half to even → 13.12
//                 (half up would give 13.13)
//   temp_min 13, temp_max 13.25
//   humidity_mean (60 + 59.25) / 2 = 59.625 (exact) → 5962.5, half to even → 59.62
//   battery_min   min(49, 49) = 49
// oslo-dc 09:00, rows 1, 2 and 5 (devices DEV-001, DEV-002, DEV-002 → 2 distinct):
//   temp_mean     (21.5 + 22.25 + 22.75) / 3 = 66.5 / 3 = 22.1666… → 22.17
//   temp_min 21.5, temp_max 22.75
//   humidity_mean row 5 is null and skipped: (40.2 + 38) / 2 = 39.1; humidity_readings 2 of 3 rows
//   battery_min   min(88, 75, 74) = 74
// oslo-dc 10:00, rows 8 and 11:
//   temp_mean     (21.75 + 23) / 2 = 22.375 (exact) → 2237.5, half to even → 22.38
//   temp_min 21.75, temp_max 23
//   humidity_mean (40 + 37.5) / 2 = 38.75
//   battery_min   min(87, 74) = 74
// unassigned 09:00, row 7 only.
// Whole numbers are written without a decimal point (19, 23, 100), as the engine writes every number.
const HOURLY_SITE_SUMMARY = [
  'site,hour_start,readings,devices,temp_mean,temp_min,temp_max,humidity_mean,humidity_readings,battery_min',
  'lyon-warehouse,2024-03-10 09:00:00,1,1,12.4,12.4,12.4,61.5,1,50',
  'lyon-warehouse,2024-03-10 10:00:00,2,1,13.12,13,13.25,59.62,2,49',
  'oslo-dc,2024-03-10 09:00:00,3,2,22.17,21.5,22.75,39.1,2,74',
  'oslo-dc,2024-03-10 10:00:00,2,2,22.38,21.75,23,38.75,2,74',
  'unassigned,2024-03-10 09:00:00,1,1,19,19,19,55,1,100',
];

const csv = (lines: readonly string[]) => `${lines.join('\n')}\n`;

describe('sensors pipeline: hand-computed outputs', () => {
  let temp: TempLake;
  let result: TransformOutput;
  /** A dataset's rows as CSV text, whatever its format (the hourly summary is Parquet). */
  const text = async (key: string) => {
    const { header, rows } = await datasetRows(temp.lake, key);
    return `${[header, ...rows].map((row) => row.join(',')).join('\n')}\n`;
  };

  beforeEach(async () => {
    temp = await createTempLake();
    await temp.lake.storage.put(lakeKeys.landing('sensors', 'readings', DATE), csv(READINGS));
    await temp.lake.storage.put(lakeKeys.landing('sensors', 'devices', DATE), csv(DEVICES));
    result = await runTransform({ lake: temp.lake, pipeline: sensors, runId: 'hand', date: DATE });
  });
  afterEach(() => temp.cleanup());

  it('writes the three datasets under the pipeline namespace, the hourly summary as Parquet', () => {
    expect(Object.keys(result.outputs)).toEqual([
      'readings_clean',
      'readings_enriched',
      'hourly_site_summary',
    ]);
    for (const [name, ref] of Object.entries(result.outputs))
      expect(ref.key).toBe(
        `sensors/datasets/${name}/date=${DATE}/${name}.${name === 'hourly_site_summary' ? 'parquet' : 'csv'}`,
      );
    expect(result.inputs.map((input) => input.key)).toEqual([
      lakeKeys.landing('sensors', 'readings', DATE),
      lakeKeys.landing('sensors', 'devices', DATE),
    ]);
  });

  it('readings_clean: ids normalised, one reading per (device_id, ts) keeping the first, no impossible temperatures', async () => {
    expect(await text(result.outputs.readings_clean!.key)).toBe(csv(READINGS_CLEAN));
  });

  it("readings_enriched: each reading's site and model; an unregistered device is unassigned", async () => {
    expect(await text(result.outputs.readings_enriched!.key)).toBe(csv(READINGS_ENRICHED));
  });

  it('hourly_site_summary: per site and hour, means rounded half to even, min, max and counts', async () => {
    expect(await text(result.outputs.hourly_site_summary!.key)).toBe(csv(HOURLY_SITE_SUMMARY));
  });

  it('gives the same outputs whatever the batch size (a duplicate in a later batch is still dropped)', async () => {
    for (const batchSize of [1, 2, 5]) {
      const again = await runTransform({
        lake: temp.lake,
        pipeline: sensors,
        runId: 'hand',
        date: DATE,
        batchSize,
      });
      expect(await text(again.outputs.readings_clean!.key)).toBe(csv(READINGS_CLEAN));
      expect(await text(again.outputs.readings_enriched!.key)).toBe(csv(READINGS_ENRICHED));
      expect(await text(again.outputs.hourly_site_summary!.key)).toBe(csv(HOURLY_SITE_SUMMARY));
    }
  });

  it("counts each step's work", () => {
    expect(result.metrics).toMatchObject({
      read: { rows: 13 },
      text: { changed: 2 }, // rows 4 and 11
      dedupe: { removed: 2 }, // rows 4 and 9
      filter: { removed: 2 }, // rows 6 and 13
      write_readings_clean: { rows: 9 },
      lookup_devices: { matched: 8, unmatched: 1 },
      fill_null: { filled_site: 1, filled_model: 1 },
      write_readings_enriched: { rows: 9 },
      aggregate: { groups: 5, rows_without_key: 0 },
      write_hourly_site_summary: { rows: 5 },
    });
  });

  it('the readings suite: the missing humidity fails its checks, the unassigned site only warns', async () => {
    const { report } = await runQualityChecks({
      lake: temp.lake,
      pipeline: 'sensors',
      runId: 'hand',
      date: DATE,
      suite: sensors.suites.readings!,
      datasetKey: result.outputs.readings_enriched!.key,
    });
    expect(report.row_count).toBe(9);
    // 8 of 9 rows: 0.8888… → 0.8889 (rounded to 4 places in the report).
    expect(report.check_results.map((r) => [r.check_name, r.score, r.status])).toEqual([
      ['Uniqueness: reading_key', 1, 'PASS'],
      ['Completeness: device_id', 1, 'PASS'],
      ['Completeness: ts', 1, 'PASS'],
      ['Completeness: humidity', 0.8889, 'FAIL'], // row 5's null, threshold 0.95
      ['Range: temp_c [-50, 60]', 1, 'PASS'],
      ['Range: humidity [0, 100]', 0.8889, 'FAIL'], // a null is not in range
      ['Range: battery_pct [0, 100]', 1, 'PASS'],
      ['Registered sites', 0.8889, 'FAIL'], // unassigned; severity warn
      ['Known models', 1, 'PASS'], // unknown is accepted
    ]);
    expect(report.check_results.find((r) => r.check_name === 'Registered sites')?.severity).toBe('warn');
    // Mean of the rounded scores: (6 × 1 + 3 × 0.8889) / 9 = 8.6667 / 9 = 0.96296… → 0.963.
    expect(report.overall_score).toBe(0.963);
    expect(report.passed).toBe(false);
  });

  it('the hourly suite passes on the summary', async () => {
    const { report, reportRef } = await runQualityChecks({
      lake: temp.lake,
      pipeline: 'sensors',
      runId: 'hand',
      date: DATE,
      suite: sensors.suites.hourly!,
      datasetKey: result.outputs.hourly_site_summary!.key,
    });
    expect(reportRef.key).toBe(lakeKeys.qualityReport('sensors', 'hourly_site_summary', DATE, 'hand'));
    expect(report.row_count).toBe(5);
    expect(report.check_results.every((r) => r.status === 'PASS' && r.score === 1)).toBe(true);
    expect(report.overall_score).toBe(1);
    expect(report.passed).toBe(true);
  });
});

describe('sensors pipeline: definition', () => {
  it('loads as a user pipeline does, from its directory, under its directory name', async () => {
    const file = path.resolve(import.meta.dirname, '../../../pipelines/sensors/pipeline.ts');
    expect((await loadPipelineFile(file, 'sensors')).name).toBe('sensors');
  });

  it('has a fact and a dimension, three datasets and two suites (readings the default)', () => {
    expect(sensors.name).toBe('sensors');
    expect(Object.entries(sensors.sources).map(([name, s]) => [name, s.kind])).toEqual([
      ['readings', 'fact'],
      ['devices', 'dimension'],
    ]);
    expect(sensors.transform.ops.map((op) => op.op)).toEqual([
      'text',
      'parse',
      'dedupe',
      'filter',
      'derive',
      'write',
      'lookup',
      'fillNull',
      'write',
      'derive',
      'aggregate',
      'write',
    ]);
    expect(sensors.transform.ops[2]).toEqual({ op: 'dedupe', keys: ['device_id', 'ts'] });
    expect(sensors.plan.datasets.map((d) => d.name)).toEqual([
      'readings_clean',
      'readings_enriched',
      'hourly_site_summary',
    ]);
    expect(sensors.defaultSuite).toBe('readings');
    expect(Object.values(sensors.suites).map((s) => [s.name, s.dataset])).toEqual([
      ['readings', 'readings_enriched'],
      ['hourly', 'hourly_site_summary'],
    ]);
  });
});

/** A source's generated rows as records of text cells, as the landing CSV holds them. */
async function generated(source: 'readings' | 'devices', request: GenerateRequest) {
  const table = generateTable(source, sensors.sources[source]!, request);
  const rows: Record<string, string>[] = [];
  for await (const batch of table.batches)
    for (const row of batch) rows.push(Object.fromEntries(table.header.map((name, c) => [name, row[c]!])));
  return { header: table.header, rows };
}

const normalId = (id: string) => id.trim().toUpperCase();
/** The first reading of each (device, time), as the dedupe keeps them. */
const firstOfEachKey = (rows: Record<string, string>[]) => {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = `${normalId(row.device_id!)}|${row.ts}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

describe('sensors generator', () => {
  it('is deterministic: the same seed and date give the same rows, another seed or date others', async () => {
    const request = { date: DATE, seed: 7, records: 500 };
    const first = await generated('readings', request);
    expect(first.header).toEqual(['device_id', 'ts', 'temp_c', 'humidity', 'battery_pct']);
    expect(first.rows).toHaveLength(500);
    expect(await generated('readings', request)).toEqual(first);
    expect((await generated('readings', { ...request, batchSize: 7 })).rows).toEqual(first.rows);
    expect((await generated('readings', { ...request, seed: 8 })).rows).not.toEqual(first.rows);
    const otherDay = await generated('readings', { ...request, date: '2024-03-11' });
    expect(otherDay.rows.map((row) => row.temp_c)).not.toEqual(first.rows.map((row) => row.temp_c));

    const devices = await generated('devices', { date: DATE, seed: 7 });
    expect(await generated('devices', { date: DATE, seed: 7 })).toEqual(devices);
  });

  it('produces the declared defects, exactly as many as the rates ask', async () => {
    const { rows } = await generated('readings', { date: DATE, records: 1000 });
    const counts = defectCounts(1000, readingOptions.parse({}));
    // 1% duplicates of 1000; of the 990 originals 2% without humidity, 0.5% impossible; 5% messy ids.
    expect(counts).toEqual({ duplicates: 10, nullHumidity: 19, impossibleTemps: 4, messyIds: 50 });

    const originals = firstOfEachKey(rows);
    expect(rows.length - originals.length).toBe(counts.duplicates);
    expect(originals.filter((row) => row.humidity === '')).toHaveLength(counts.nullHumidity);
    expect(originals.filter((row) => IMPOSSIBLE_TEMPS.includes(Number(row.temp_c)))).toHaveLength(
      counts.impossibleTemps,
    );
    expect(rows.filter((row) => row.device_id !== normalId(row.device_id!))).toHaveLength(counts.messyIds);
    // A duplicate repeats its reading's values: a retransmission.
    const byKey = new Map(originals.map((row) => [`${normalId(row.device_id!)}|${row.ts}`, row]));
    for (const row of rows) {
      const original = byKey.get(`${normalId(row.device_id!)}|${row.ts}`)!;
      expect([row.temp_c, row.humidity, row.battery_pct]).toEqual([
        original.temp_c,
        original.humidity,
        original.battery_pct,
      ]);
    }
  });

  it('defects=none: clean readings only', async () => {
    const { rows } = await generated('readings', { date: DATE, records: 1000, options: { defects: 'none' } });
    expect(firstOfEachKey(rows)).toHaveLength(1000);
    expect(rows.filter((row) => row.humidity === '')).toHaveLength(0);
    expect(rows.filter((row) => IMPOSSIBLE_TEMPS.includes(Number(row.temp_c)))).toHaveLength(0);
    expect(rows.filter((row) => row.device_id !== normalId(row.device_id!))).toHaveLength(0);
  });

  it('refuses unknown or out-of-range options, naming them', async () => {
    expect(() =>
      generateTable('readings', sensors.sources.readings!, { date: DATE, options: { nope: 1 } }),
    ).toThrow(/invalid generator options for readings: .*nope/);
    expect(() =>
      generateTable('readings', sensors.sources.readings!, { date: DATE, options: { duplicates: 2 } }),
    ).toThrow(/duplicates/);
  });

  it("readings cover the run's day, hour by hour, from a few dozen devices at every site, with plausible values", async () => {
    const { rows } = await generated('readings', { date: DATE, options: { defects: 'none' } });
    expect(rows).toHaveLength(3600);
    expect(rows.every((row) => row.ts!.startsWith(`${DATE} `))).toBe(true);
    expect(new Set(rows.map((row) => row.ts!.slice(11, 13))).size).toBe(24);
    const ids = new Set(rows.map((row) => row.device_id));
    expect(ids.size).toBe(37); // 36 registered devices and one unregistered
    expect([...ids].filter((id) => id!.startsWith('NEW-'))).toEqual(['NEW-001']);
    for (const row of rows) {
      const temp = Number(row.temp_c);
      expect(temp).toBeGreaterThanOrEqual(PLAUSIBLE_TEMP.min);
      expect(temp).toBeLessThanOrEqual(PLAUSIBLE_TEMP.max);
      expect(Number(row.humidity)).toBeGreaterThanOrEqual(0);
      expect(Number(row.humidity)).toBeLessThanOrEqual(100);
      expect(Number.isInteger(Number(row.battery_pct))).toBe(true);
    }
    // Each device reports every 15 minutes or so: about 97 readings a day.
    const perDevice = new Map<string, number>();
    for (const row of rows) perDevice.set(row.device_id!, (perDevice.get(row.device_id!) ?? 0) + 1);
    for (const readings of perDevice.values()) expect(readings).toBeGreaterThanOrEqual(97);
  });

  it('the registry: unique device ids at every site, installed before the run date', async () => {
    const { header, rows } = await generated('devices', { date: DATE });
    expect(header).toEqual(['device_id', 'site', 'model', 'installed']);
    expect(rows).toHaveLength(36);
    expect(new Set(rows.map((row) => row.device_id)).size).toBe(36);
    expect(new Set(rows.map((row) => row.site))).toEqual(new Set(SITE_NAMES));
    expect(rows.every((row) => row.installed! < DATE)).toBe(true);
  });
});

describe('sensors pipeline: generated data end to end', () => {
  let temp: TempLake;
  beforeEach(async () => {
    temp = await createTempLake();
  });
  afterEach(() => temp.cleanup());

  it('ingests with no warnings, cleans every defect, and passes both suites', async () => {
    const run = { lake: temp.lake, pipeline: sensors, runId: 'gen', date: DATE };
    for (const source of ['readings', 'devices']) {
      const ingested = await ingestSource({
        ...run,
        source,
        input: { kind: 'generate', seed: 42, options: {} },
      });
      expect(ingested.warnings).toEqual([]);
    }
    const result = await runTransform(run);
    const counts = defectCounts(3600, readingOptions.parse({}));
    expect(result.metrics.dedupe).toEqual({ removed: counts.duplicates });
    expect(result.metrics.filter).toEqual({ removed: counts.impossibleTemps });
    // NEW-001's readings: one device in 37 (3600 - 36 duplicates = 3564 originals, 3564 / 37 → 96 or 97 each).
    expect(result.metrics.fill_null?.filled_site).toBeGreaterThanOrEqual(96);
    // 4 sites and unassigned, 24 hours each.
    expect(result.metrics.aggregate).toEqual({ groups: 5 * 24, rows_without_key: 0 });
    for (const [name, dataset] of [
      ['readings', 'readings_enriched'],
      ['hourly', 'hourly_site_summary'],
    ] as const) {
      const { report } = await runQualityChecks({
        ...run,
        pipeline: 'sensors',
        suite: sensors.suites[name]!,
        datasetKey: result.outputs[dataset]!.key,
      });
      expect(report.check_results.filter((r) => r.status !== 'PASS')).toEqual([]);
      expect(report.passed).toBe(true);
    }
  });
});
