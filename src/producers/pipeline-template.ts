/**
 * What `npm run new-pipeline` writes: a working definition (a fact, a dimension, cleaning, a lookup,
 * a daily aggregate, a quality suite, seeded generators) and a test that runs it on a local lake.
 * @param api the import path of lakeflow's API from the new directory
 */
export function pipelineTemplate(name: string, api: string): string {
  return `import {
  acceptedValues,
  complete,
  count,
  countDistinct,
  dateOf,
  definePipeline,
  dimension,
  fact,
  inRange,
  mean,
  sum,
  timestampText,
  unique,
  z,
} from '${api}';

const CATEGORIES = ['books', 'games', 'music'];

/** ${name}: orders, cleaned, enriched with their category, summarised per day and category. */
export default definePipeline({
  name: '${name}',
  description: 'Orders per day and category (scaffolded by npm run new-pipeline).',
  sources: {
    orders: fact({
      eventTime: 'ordered_at',
      schema: { order_id: 'string', ordered_at: 'datetime', sku: 'string', amount: 'float' },
      required: ['order_id', 'ordered_at', 'sku'],
      generate: {
        defaultRecords: 200,
        // \`npm run enqueue -- --pipeline ${name} --gen refunds=0.1\`
        options: z.object({ refunds: z.coerce.number().min(0).max(1).default(0.05) }),
        *rows({ date, records, options, rng }) {
          const random = rng();
          for (let i = 0; i < records; i++) {
            const seconds = random.integer(0, 86_400);
            const refund = random.float() < options.refunds;
            yield {
              order_id: \`O\${date.replaceAll('-', '')}\${String(i).padStart(5, '0')}\`,
              ordered_at: timestampText(Date.parse(\`\${date}T00:00:00Z\`) + seconds * 1000),
              sku: \` sku-\${random.integer(1, 30)} \`,
              amount: ((refund ? -1 : 1) * random.integer(100, 10_000)) / 100,
            };
          }
        },
      },
    }),
    skus: dimension({
      key: 'sku',
      schema: { sku: 'string', category: 'string' },
      generate: {
        *rows({ rng }) {
          const random = rng();
          for (let i = 1; i <= 30; i++) yield { sku: \`SKU-\${i}\`, category: random.choice(CATEGORIES) };
        },
      },
    }),
  },

  transform: ({ from }) =>
    from('orders')
      .dedupe('order_id')
      .text('sku', { strip: true, case: 'upper' })
      .parse({ ordered_at: 'datetime' })
      .filter((order) => order.amount > 0)
      .derive({ order_date: dateOf('ordered_at') })
      .write('orders_clean')
      .lookup('skus', { take: ['category'] })
      .fillNull({ category: 'unknown' })
      .write('orders_enriched')
      .aggregate({
        by: ['order_date', 'category'],
        measures: {
          orders: count('order_id'),
          skus: countDistinct('sku'),
          revenue: sum('amount'),
          avg_amount: mean('amount', { round: 2 }),
        },
      })
      .write('daily_category_summary'),

  quality: ({ suite }) => ({
    orders: suite('orders_enriched', [
      unique('order_id'),
      complete('sku', { threshold: 1 }),
      inRange('amount', 0, 100, { threshold: 1 }),
      acceptedValues('Known categories', 'category', [...CATEGORIES, 'unknown'], {
        threshold: 0.99,
        severity: 'warn',
      }),
    ]),
  }),
});
`;
}

/** The test written beside the definition. */
export function pipelineTestTemplate(name: string, api: string, tempLake: string): string {
  return `import { describe, expect, it } from 'vitest';
import { runLocal } from '${api}';
import { withTempLake } from '${tempLake}';
import pipeline from './pipeline.ts';

describe('${name}', () => {
  it('runs end to end on generated data', async () => {
    await withTempLake(async ({ lake }) => {
      const run = await runLocal({ pipeline, lake, date: '2024-01-15' });
      const { orders_clean, orders_enriched, daily_category_summary } = run.transform.outputs;
      expect(orders_clean?.rows).toBeGreaterThan(150);
      expect(orders_enriched?.rows).toBe(orders_clean?.rows);
      expect(daily_category_summary?.rows).toBeGreaterThan(0);
      expect(run.report?.passed).toBe(true);
    });
  });
});
`;
}
