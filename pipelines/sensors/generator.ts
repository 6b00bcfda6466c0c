import { z } from 'zod';
import {
  dateText,
  type GenerateContext,
  type Rng,
  round,
  SelectionSampler,
  timestampText,
} from '../../src/api.ts';

/**
 * Seeded, deterministic sensor data: environmental sensors at a few sites report temperature,
 * humidity and battery level through the run's day, and a registry lists the devices. A configurable
 * share of readings is spoiled on purpose (retransmitted duplicates, missing humidity, impossible
 * temperatures, messy device ids, devices not yet registered), so cleaning and checks have work to do.
 */

/** A site: where its devices are, and the climate they measure. */
export interface Site {
  name: string;
  /** Mean temperature over the day, °C, and half its daily swing (peak at 15:00). */
  temp: number;
  tempSwing: number;
  /** Mean relative humidity, %, and half its daily swing (lowest when it is warmest). */
  humidity: number;
  humiditySwing: number;
}

export const SITES: readonly Site[] = [
  { name: 'oslo-dc', temp: 21.5, tempSwing: 0.8, humidity: 38, humiditySwing: 3 },
  { name: 'lyon-warehouse', temp: 13, tempSwing: 4, humidity: 62, humiditySwing: 8 },
  { name: 'austin-greenhouse', temp: 26, tempSwing: 6, humidity: 74, humiditySwing: 10 },
  { name: 'nagoya-office', temp: 22.5, tempSwing: 1.5, humidity: 45, humiditySwing: 5 },
];
export const SITE_NAMES: readonly string[] = SITES.map((site) => site.name);
export const MODELS: readonly string[] = ['TH-100', 'TH-200', 'ENV-PRO'];

/** Temperatures the cleaning keeps, °C: beyond them a reading is a sensor fault, not weather. */
export const PLAUSIBLE_TEMP = { min: -50, max: 60 } as const;
/** What faulty probes report: a disconnected DS18B20 (-127), an int16 overflow (327.67), absolute zero. */
export const IMPOSSIBLE_TEMPS: readonly number[] = [-127, 327.67, -273.15];

/** The id of registered device `index` (0-based): `DEV-001`, `DEV-002`, … */
export const deviceId = (index: number): string => `DEV-${String(index + 1).padStart(3, '0')}`;
/** The id of unregistered device `index`: installed, reporting, not yet in the registry. */
export const unregisteredId = (index: number): string => `NEW-${String(index + 1).padStart(3, '0')}`;
/** Device `index`'s site: the registry and the readings agree on it without sharing a random stream. */
export const siteOf = (index: number): Site => SITES[index % SITES.length] as Site;

const rate = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);

/** The readings generator's options (`--gen name=value`); rates are shares of the readings. */
export const readingOptions = z
  .object({
    /** Registered devices reporting (the devices source should list as many: `--source devices=N`). */
    devices: z.coerce.number().int().min(1).max(999).default(36),
    /** Devices reporting that the registry does not list: their readings get site `unassigned`. */
    unregistered: z.coerce.number().int().min(0).max(99).default(1),
    /** Readings sent twice (same device and time), as a gateway retrying would. */
    duplicates: rate(0.01),
    /** Readings without humidity. */
    nullHumidity: rate(0.02),
    /** Readings with a faulty probe's temperature (see {@link IMPOSSIBLE_TEMPS}). */
    impossibleTemps: rate(0.005),
    /** Readings whose device id has stray spaces or the wrong case. */
    messyIds: rate(0.05),
    /** `none`: every defect rate 0 (the unregistered devices still report). */
    defects: z.enum(['default', 'none']).default('default'),
  })
  .strict();
export type ReadingOptions = z.output<typeof readingOptions>;

/** How many readings get each defect: exact counts of `records` rows. */
export function defectCounts(records: number, options: ReadingOptions) {
  const share = (rate: number, of: number) => (options.defects === 'none' ? 0 : Math.floor(of * rate));
  // Row 0 has nothing to repeat.
  const duplicates = Math.min(share(options.duplicates, records), Math.max(records - 1, 0));
  const originals = records - duplicates;
  return {
    duplicates,
    nullHumidity: share(options.nullHumidity, originals),
    impossibleTemps: share(options.impossibleTemps, originals),
    messyIds: share(options.messyIds, records),
  };
}

/** A duplicate repeats one of the last this-many readings. */
const RECENT = 50;
const DAY_SECONDS = 86_400;
const DAY_MS = DAY_SECONDS * 1000;

/** One reading as the generator yields it (a null number is NaN, written empty). */
export interface Reading {
  device_id: string;
  ts: string;
  temp_c: number;
  humidity: number;
  battery_pct: number;
}

/**
 * Readings of the run's date: each device reports at a regular interval (the day split in as many
 * slots as `records` allows), at its own offset within the interval, so the rows cover the 24 hours.
 */
export function* readingRows({ date, records, options, rng: stream }: GenerateContext<ReadingOptions>) {
  const rng = stream();
  const counts = defectCounts(records, options);
  const duplicateRng = stream('duplicates');
  const duplicate = new SelectionSampler(duplicateRng, Math.max(records - 1, 0), counts.duplicates);
  const originals = records - counts.duplicates;
  const nullHumidity = new SelectionSampler(stream('nullHumidity'), originals, counts.nullHumidity);
  const impossibleRng = stream('impossibleTemps');
  const impossible = new SelectionSampler(impossibleRng, originals, counts.impossibleTemps);
  const messyRng = stream('messyIds');
  const messy = new SelectionSampler(messyRng, records, counts.messyIds);

  const devices = options.devices + options.unregistered;
  const slots = Math.max(1, Math.ceil(originals / devices));
  const interval = Math.floor(DAY_SECONDS / slots);
  // Each device's offset within the interval and its sensor's calibration error.
  const offsets = Array.from({ length: devices }, () => rng.integer(0, interval));
  const bias = Array.from({ length: devices }, () => rng.uniform(-0.6, 0.6));
  const dayStart = Date.parse(`${date}T00:00:00Z`);

  const recent: Reading[] = [];
  let made = 0;
  for (let i = 0; i < records; i++) {
    let reading: Reading;
    if (i > 0 && duplicate.next()) reading = { ...duplicateRng.choice(recent) };
    else {
      const d = made % devices;
      const seconds = Math.floor(made / devices) * interval + (offsets[d] as number);
      made++;
      reading = measure(d, options.devices, seconds, bias[d] as number, rng);
      if (nullHumidity.next()) reading.humidity = Number.NaN;
      if (impossible.next()) reading.temp_c = impossibleRng.choice(IMPOSSIBLE_TEMPS);
      reading.ts = timestampText(dayStart + seconds * 1000);
      recent[(made - 1) % RECENT] = reading;
    }
    yield messy.next() ? { ...reading, device_id: messyId(reading.device_id, messyRng) } : reading;
  }
}

/** Device `d`'s reading `seconds` into the day: its site's daily cycle, its bias, some noise. */
function measure(d: number, registered: number, seconds: number, bias: number, rng: Rng): Reading {
  const registeredDevice = d < registered;
  const site = siteOf(registeredDevice ? d : d - registered);
  const hours = seconds / 3600;
  const cycle = Math.sin((2 * Math.PI * (hours - 9)) / 24); // 1 at 15:00, -1 at 03:00
  const temp = site.temp + site.tempSwing * cycle + bias + rng.uniform(-0.3, 0.3);
  const humidity = site.humidity - site.humiditySwing * cycle + rng.uniform(-2, 2);
  // Batteries start the day anywhere from 12% to 100% and lose 1% every 8 hours.
  const start = 12 + ((d * 37) % 89);
  return {
    device_id: registeredDevice ? deviceId(d) : unregisteredId(d - registered),
    ts: '',
    temp_c: round(temp, 2),
    humidity: round(Math.min(100, Math.max(0, humidity)), 1),
    battery_pct: Math.max(0, start - Math.floor(hours / 8)),
  };
}

/** Stray spaces and wrong case that the cleaning (`strip`, `upper`) repairs. */
function messyId(id: string, rng: Rng): string {
  switch (rng.integer(0, 4)) {
    case 0:
      return id.toLowerCase();
    case 1:
      return ` ${id}`;
    case 2:
      return `${id.charAt(0)}${id.slice(1).toLowerCase()}  `;
    default:
      return ` ${id.toLowerCase()} `;
  }
}

/** The device registry: `records` devices spread over the sites, installed before the run's date. */
export function* deviceRows({ date, records, rng: stream }: GenerateContext<unknown>) {
  const rng = stream();
  const day = Date.parse(`${date}T00:00:00Z`);
  for (let d = 0; d < records; d++) {
    yield {
      device_id: deviceId(d),
      site: siteOf(d).name,
      model: rng.choice(MODELS),
      installed: dateText(day - rng.integer(30, 1100) * DAY_MS),
    };
  }
}
