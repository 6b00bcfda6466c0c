import {
  acceptedValues,
  compare,
  complete,
  count,
  countDistinct,
  dateOf,
  dayName,
  definePipeline,
  dimension,
  fact,
  hourOf,
  inRange,
  isWeekend,
  round,
  sum,
  unique,
} from '../../src/api.ts';
import { customerRows, defectOptions, productRows, transactionRows } from './generator.ts';

/**
 * The notebook's pipeline (Parts 2-5): transactions cleaned, enriched with customers and products as
 * of the run's date, summarised per day, region and category, and checked by the notebook's suites.
 */
export default definePipeline({
  name: 'sales_etl',
  description: "The notebook's sales pipeline: ingest, clean, enrich, summarise, check.",
  sources: {
    transactions: fact({
      description: 'Sales events (the notebook\'s "stream" source, refreshed hourly).',
      eventTime: 'timestamp',
      schema: {
        transaction_id: 'string',
        timestamp: 'datetime',
        customer_id: 'string',
        product: 'string',
        quantity: 'int',
        unit_price: 'float',
        region: 'string',
        total_amount: 'float',
      },
      required: ['transaction_id', 'timestamp', 'customer_id', 'product', 'quantity'],
      generate: { defaultRecords: 1000, options: defectOptions, rows: transactionRows },
    }),
    customers: dimension({
      description: 'Customer master data (a daily database snapshot).',
      key: 'customer_id',
      schema: {
        customer_id: 'string',
        customer_name: 'string',
        segment: 'string',
        join_date: 'datetime',
        lifetime_value: 'float',
      },
      required: ['customer_id', 'segment'],
      generate: { defaultRecords: 1000, rows: customerRows },
    }),
    products: dimension({
      description: 'The product catalog (a weekly file).',
      key: 'product',
      schema: { product: 'string', category: 'string', cost: 'float', active: 'bool' },
      required: ['product', 'category', 'cost'],
      generate: { rows: productRows },
    }),
  },

  transform: ({ from }) =>
    from('transactions')
      // clean_transactions
      .dedupe('transaction_id')
      .fillNull({ region: 'Unknown' })
      .text('product', { strip: true, case: 'title' })
      .parse({ timestamp: 'datetime' })
      .derive({
        date: dateOf('timestamp'),
        hour: hourOf('timestamp'),
        day_of_week: dayName('timestamp'),
        is_weekend: isWeekend('timestamp'),
      })
      .filter((row) => !(row.total_amount < 0))
      .write('cleaned')
      // enrich_transactions
      .lookup('customers', { take: ['segment', 'lifetime_value'] })
      .fillNull({ segment: 'Unknown', lifetime_value: 0 })
      .lookup('products', { take: ['category', 'cost'] })
      .derive({ profit: (row) => row.total_amount - (Number.isNaN(row.cost) ? 0 : row.cost) * row.quantity })
      .derive({ profit_margin: (row) => round((row.profit / row.total_amount) * 100, 2) })
      .write('enriched')
      // create_daily_summary
      .aggregate({
        by: ['date', 'region', 'category'],
        measures: {
          transaction_count: count('transaction_id'),
          unique_customers: countDistinct('customer_id'),
          total_quantity: sum('quantity'),
          revenue: sum('total_amount'),
          profit: sum('profit'),
        },
      })
      .derive({ avg_transaction_value: (group) => round(group.revenue / group.transaction_count, 2) })
      .write('daily_summary'),

  quality: ({ suite }) => ({
    /** Part 4's checker on the enriched transactions: the default. */
    notebook: suite('enriched', [
      unique('transaction_id', { threshold: 1.0 }),
      complete('customer_id', { threshold: 1.0 }),
      complete('product', { threshold: 1.0 }),
      complete('region', { threshold: 0.95 }),
      inRange('quantity', 1, 100, { threshold: 0.99 }),
      inRange('total_amount', 0, 10000, { threshold: 0.99 }),
      inRange('profit_margin', -50, 100, { threshold: 0.95 }),
      compare('Positive revenue', 'total_amount', '>', 0, { threshold: 0.99 }),
      acceptedValues('Valid segments', 'segment', ['Bronze', 'Silver', 'Gold', 'Platinum', 'Unknown'], {
        threshold: 1.0,
      }),
    ]),
    /** Part 5's `pipeline_checker`, with the notebook's default thresholds. */
    pipeline: suite('enriched', [
      unique('transaction_id'),
      complete('customer_id'),
      inRange('total_amount', 0, 10000),
    ]),
  }),
});
