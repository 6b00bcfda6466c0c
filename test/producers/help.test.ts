import { describe, expect, it } from 'vitest';
import { limited, runCli } from '../helpers/cli.ts';

/**
 * Every command answers --help (and -h) with its usage on stdout and exit 0, before loading pipelines
 * or connecting to anything: with Redis unreachable it still answers, and help wins over a bad option.
 */

const COMMANDS: [name: string, script: string, usage: RegExp][] = [
  ['enqueue', 'src/producers/enqueue.ts', /^Usage: npm run enqueue -- .*--date YYYY-MM-DD/],
  ['schedule', 'src/producers/schedule.ts', /^Usage: npm run schedule -- <set\|remove\|list>/],
  ['worker', 'src/workers/main.ts', /^Usage: npm run worker -- .*--queues/],
  ['board', 'src/board/main.ts', /^Usage: npm run board/],
  ['demo', 'src/producers/demo.ts', /^Usage: npm run demo -- .*--pipeline NAME/],
  ['bench', 'bench/main.ts', /^Usage: npm run bench -- \[options\]/],
  ['pipelines', 'src/producers/pipelines.ts', /^Usage: npm run pipelines/],
  ['new-pipeline', 'src/producers/new-pipeline.ts', /^Usage: npm run new-pipeline -- NAME/],
  ['upload', 'src/producers/upload.ts', /^Usage: npm run upload -- FILE/],
];

// Nothing answers here: a command that tried to connect instead of answering would fail or hang.
const env = { REDIS_URL: 'redis://127.0.0.1:1', QUEUE_PREFIX: 'help-test' };

describe('every command answers --help', () => {
  it('with its usage on stdout and exit 0, connecting to nothing', { timeout: 300_000 }, async () => {
    const cases = COMMANDS.flatMap(([name, script, usage]) => [
      { name, script, usage, args: ['--help'] },
      { name, script, usage, args: ['-h'] },
    ]);
    // Help wins over the command's other arguments, good or bad.
    cases.push(
      { ...caseOf('enqueue'), args: ['--date', 'not-a-date', '--frobnicate', '--help'] },
      { ...caseOf('schedule'), args: ['set', '--tz', 'Mars/Olympus', '-h'] },
      { ...caseOf('worker'), args: ['--queues', 'nope', '--help'] },
    );
    const results = await limited(cases.map((c) => () => runCli(c.script, c.args, env)));
    results.forEach((result, i) => {
      const { name, args, usage } = cases[i] as (typeof cases)[number];
      expect({ name, args, code: result.code, stderr: result.stderr }).toEqual({
        name,
        args,
        code: 0,
        stderr: '',
      });
      expect(result.stdout, `${name} ${args.join(' ')}`).toMatch(usage);
    });
  });
});

function caseOf(name: string) {
  const [, script, usage] = COMMANDS.find(([command]) => command === name) as (typeof COMMANDS)[number];
  return { name, script, usage };
}
