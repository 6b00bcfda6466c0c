import {
  acceptedValues,
  compare,
  complete,
  count,
  countDistinct,
  definePipeline,
  dimension,
  fact,
  hourStart,
  inRange,
  max,
  mean,
  min,
  unique,
} from '../../src/api.ts';
import { deviceRows, MODELS, PLAUSIBLE_TEMP, readingOptions, readingRows, SITE_NAMES } from './generator.ts';

/**
 * Environmental sensors: readings cleaned (device ids normalised, retransmissions dropped by device
 * and time, faulty temperatures dropped), enriched with each device's site and model, and summarised
 * per site and hour.
 */
export default definePipeline({
  name: 'sensors',
  description: 'Sensor readings: clean, enrich with the device registry, summarise per site and hour.',
  sources: {
    readings: fact({
      description: 'Temperature, humidity and battery readings, sent by the devices through the day.',
      eventTime: 'ts',
      schema: {
        device_id: 'string',
        ts: 'datetime',
        temp_c: 'float',
        humidity: 'float',
        battery_pct: 'int',
      },
      required: ['device_id', 'ts', 'temp_c'],
      generate: { defaultRecords: 3600, options: readingOptions, rows: readingRows },
    }),
    devices: dimension({
      description: 'The device registry (a daily export): where each device is, and what it is.',
      key: 'device_id',
      schema: { device_id: 'string', site: 'string', model: 'string', installed: 'date' },
      generate: { defaultRecords: 36, rows: deviceRows },
    }),
  },

  transform: ({ from }) =>
    from('readings')
      // Clean: one spelling per device, one reading per device and time, no faulty temperatures.
      .text('device_id', { strip: true, case: 'upper' })
      .parse({ ts: 'datetime' })
      .dedupe(['device_id', 'ts'])
      .filter((row) => row.temp_c >= PLAUSIBLE_TEMP.min && row.temp_c <= PLAUSIBLE_TEMP.max)
      .derive({ reading_key: (row) => `${row.device_id}@${row.ts}` })
      .write('readings_clean')
      // Enrich: the device's site and model; a device the registry does not list yet is unassigned.
      .lookup('devices', { take: ['site', 'model'] })
      .fillNull({ site: 'unassigned', model: 'unknown' })
      .write('readings_enriched')
      // Summarise per site and hour.
      .derive({ hour_start: hourStart('ts') })
      .aggregate({
        by: ['site', 'hour_start'],
        measures: {
          readings: count(),
          devices: countDistinct('device_id'),
          temp_mean: mean('temp_c', { round: 2 }),
          temp_min: min('temp_c'),
          temp_max: max('temp_c'),
          humidity_mean: mean('humidity', { round: 2 }),
          humidity_readings: count('humidity'),
          battery_min: min('battery_pct'),
        },
      })
      // Parquet: typed columns for whoever queries the summary (DuckDB, Spark); the others stay CSV.
      .write('hourly_site_summary', { format: 'parquet' }),

  quality: ({ suite }) => ({
    /** The enriched readings: the default suite. */
    readings: suite('readings_enriched', [
      unique('reading_key', { threshold: 1.0 }),
      complete('device_id', { threshold: 1.0 }),
      complete('ts', { threshold: 1.0 }),
      complete('humidity', { threshold: 0.95 }),
      inRange('temp_c', PLAUSIBLE_TEMP.min, PLAUSIBLE_TEMP.max, { threshold: 1.0 }),
      inRange('humidity', 0, 100, { threshold: 0.95 }),
      inRange('battery_pct', 0, 100, { threshold: 0.99 }),
      acceptedValues('Registered sites', 'site', SITE_NAMES, { threshold: 0.95, severity: 'warn' }),
      acceptedValues('Known models', 'model', [...MODELS, 'unknown'], { threshold: 1.0 }),
    ]),
    /** The hourly summary. */
    hourly: suite('hourly_site_summary', [
      complete('site', { threshold: 1.0 }),
      complete('hour_start', { threshold: 1.0 }),
      compare('Every group has readings', 'readings', '>=', 1, { threshold: 1.0 }),
      inRange('temp_mean', PLAUSIBLE_TEMP.min, PLAUSIBLE_TEMP.max, { threshold: 1.0 }),
      inRange('humidity_mean', 0, 100, { threshold: 0.99 }),
      compare('Humidity reported', 'humidity_readings', '>', 0, { threshold: 0.99, type: 'completeness' }),
      inRange('battery_min', 0, 100, { threshold: 1.0 }),
    ]),
  }),
});
