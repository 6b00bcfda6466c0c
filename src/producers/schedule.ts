import { loadConfig } from '../lib/config.ts';
import { loadPipelines } from '../lib/definition/registry.ts';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import { openProducer } from '../lib/pipeline/producer.ts';
import { listSchedules, removeSchedule, setSchedule } from '../lib/pipeline/schedules.ts';
import { formatTable } from '../lib/text-table.ts';
import { exitOnSignal } from './exit-on-signal.ts';
import { helpRequested } from './run-template.ts';
import { parseScheduleArgs, SCHEDULE_USAGE } from './schedule-args.ts';

/** `npm run schedule`: set, remove or list the cron schedules that workers turn into runs. */
async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (helpRequested(argv)) {
    console.log(SCHEDULE_USAGE);
    return 0;
  }
  const config = loadConfig();
  const registry = await loadPipelines(config.PIPELINES_DIR);
  const command = parseScheduleArgs(argv, registry);
  const producer = await openProducer(config, registry);
  try {
    if (command.action === 'set') {
      const pipeline = registry.get(command.spec.template.pipeline);
      const info = await setSchedule(producer.queues, command.spec, pipeline);
      console.log(`schedule set: ${info.pipeline} at "${info.cron}" (${info.tz}); next fire ${info.next}`);
    } else if (command.action === 'remove') {
      const removed = await removeSchedule(producer.queues, command.pipeline);
      console.log(removed ? `schedule removed: ${command.pipeline}` : `no schedule for ${command.pipeline}`);
      return removed ? 0 : 1;
    } else {
      const rows = (await listSchedules(producer.queues)).map((s) => [
        s.pipeline,
        s.cron ?? '-',
        s.tz ?? '-',
        s.next ?? '-',
      ]);
      console.log(
        rows.length === 0 ? 'no schedules' : formatTable([['pipeline', 'cron', 'tz', 'next fire'], ...rows]),
      );
    }
    return 0;
  } finally {
    await producer.close();
  }
}

exitOnSignal();
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`schedule: ${errorMessage(error)}`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
