import { parseArgs } from 'node:util';
import type { PipelineRegistry } from '../lib/definition/registry.ts';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import type { ScheduleSpec } from '../lib/pipeline/schedules.ts';
import { integer } from './option-values.ts';
import {
  choosePipeline,
  parseRunTemplate,
  RUN_TEMPLATE_OPTIONS,
  RUN_TEMPLATE_USAGE,
} from './run-template.ts';

export const SCHEDULE_USAGE = `Usage: npm run schedule -- <set|remove|list> [options]

  set [--pipeline NAME] --cron "0 2 * * *" [--tz ZONE] [--date-offset=-1] [run options]
                           run a pipeline on a cron schedule (one schedule per pipeline; set again
                           to change it). Each fire enqueues the run of the fire's date plus the offset
                           (default -1: yesterday), the same flow as npm run enqueue. --tz is the
                           IANA time zone the cron is read in (default UTC), e.g. Europe/Paris.
  remove [--pipeline NAME] remove a pipeline's schedule
  list                     show every schedule and its next fire
  --help, -h               this help

Run options (set):
${RUN_TEMPLATE_USAGE}`;

export type ScheduleCommand =
  | { action: 'set'; spec: ScheduleSpec }
  | { action: 'remove'; pipeline: string }
  | { action: 'list' };

/**
 * Parses `npm run schedule` arguments against the loaded pipelines; mistakes are ConfigErrors carrying
 * the usage (an unknown pipeline, source or suite lists what exists).
 */
export function parseScheduleArgs(
  argv: string[],
  registry: PipelineRegistry,
  cwd = process.cwd(),
): ScheduleCommand {
  let parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        ...RUN_TEMPLATE_OPTIONS,
        cron: { type: 'string' },
        tz: { type: 'string', default: 'UTC' },
        'date-offset': { type: 'string', default: '-1' },
      },
    });
  } catch (error) {
    throw fail(errorMessage(error));
  }
  const { values, positionals } = parsed;
  const [action, ...extra] = positionals;
  if (extra.length > 0) throw fail(`unexpected argument(s): ${extra.join(' ')}`);
  if (action === 'list') return { action };
  if (action === 'remove') {
    // A schedule of a pipeline no longer loaded can still be removed.
    const name = values.pipeline as string | undefined;
    return {
      action,
      pipeline: name !== undefined && !registry.has(name) ? name : choosePipeline(name, registry, fail).name,
    };
  }
  if (action !== 'set') throw fail(action ? `unknown action ${action}` : 'an action is required');
  if (typeof values.cron !== 'string' || values.cron.trim().split(/\s+/).length < 5) {
    throw fail('set needs --cron with a cron expression of 5 (or 6, with seconds) fields');
  }
  const offsetText = values['date-offset'] as string;
  const negative = offsetText.startsWith('-');
  const offset =
    integer(negative ? offsetText.slice(1) : offsetText, '--date-offset', fail) * (negative ? -1 : 1);
  const tz = values.tz as string;
  if (!isTimeZone(tz)) {
    throw fail(
      `--tz ${JSON.stringify(tz)} is not a time zone: give an IANA name such as UTC, Europe/Paris or America/New_York`,
    );
  }
  const template = parseRunTemplate(values, registry, cwd, fail);
  return {
    action,
    spec: { cron: values.cron, tz, template: { ...template, dateOffsetDays: offset } },
  };
}

/** Whether `name` is a time zone this runtime knows (an IANA name such as `Europe/Paris`, or `UTC`). */
export function isTimeZone(name: string): boolean {
  if (name.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function fail(message: string): ConfigError {
  return new ConfigError(`${message}\n\n${SCHEDULE_USAGE}`, { code: 'ARGS_INVALID' });
}
