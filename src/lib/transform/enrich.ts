import type { RowBatch } from '../lake/csv.ts';
import { formatNumber } from '../sources/values.ts';
import type { TransactionCleaner, TransactionColumns } from './clean.ts';
import { type CustomerTable, lookup, type ProductTable } from './dimensions.ts';
import { numpyRound } from './numeric.ts';
import { isNull } from './pandas-text.ts';
import type { DailySummary } from './summary.ts';

/** The seed's enrichment metrics. */
export interface EnrichMetrics {
  customers_matched: number;
  products_matched: number;
}

/**
 * The seed's `enrich_transactions` on cleaned rows: left join customers (segment 'Unknown' and
 * lifetime_value 0 when missing), left join products, then `profit = total_amount - cost.fillna(0) *
 * quantity` and `profit_margin = round(profit / total_amount * 100, 2)` with numpy's rounding. Rows are
 * extended in place and fed to the daily summary.
 */
export class TransactionEnricher {
  readonly metrics: EnrichMetrics = { customers_matched: 0, products_matched: 0 };
  /** Rows enriched so far. */
  rows = 0;

  constructor(
    private readonly col: TransactionColumns,
    private readonly customers: CustomerTable,
    private readonly products: ProductTable,
    private readonly summary: DailySummary,
  ) {}

  /** Appends the enrichment columns to the first `count` rows of `batch`, cleaned by `cleaned`. */
  enrichBatch(batch: RowBatch, count: number, cleaned: TransactionCleaner): void {
    const { col, customers, products, metrics } = this;
    this.rows += count;
    for (let i = 0; i < count; i++) {
      const row = batch[i] as string[];
      const customerId = row[col.customer_id] as string;
      const customerIsNull = isNull(customerId);
      const c = lookup(customers, customerId, customerIsNull);
      const segment = c >= 0 ? (customers.segment[c] as string) : 'Unknown';
      if (segment !== 'Unknown') metrics.customers_matched++;

      const p = lookup(products, row[col.product] as string, cleaned.productIsNull[i] === 1);
      const categoryIsNull = p < 0 || products.categoryIsNull[p] === 1;
      if (!categoryIsNull) metrics.products_matched++;
      const cost = p >= 0 ? (products.cost[p] as number) : Number.NaN;

      const amount = cleaned.amounts[i] as number;
      const quantity = cleaned.quantities[i] as number;
      const profit = amount - (Number.isNaN(cost) ? 0 : cost) * quantity;
      const margin = numpyRound((profit / amount) * 100, 2);
      row.push(
        segment,
        c >= 0 ? (customers.lifetimeValue[c] as string) : '0',
        p >= 0 ? (products.category[p] as string) : '',
        p >= 0 ? (products.costText[p] as string) : '',
        formatNumber(profit),
        formatNumber(margin),
      );

      const id = row[col.transaction_id] as string;
      this.summary.add(
        cleaned.dates[i] as string,
        row[col.region] as string,
        categoryIsNull ? undefined : (products.category[p] as string),
        isNull(id) ? undefined : id,
        customerIsNull ? undefined : customerId,
        quantity,
        amount,
        profit,
      );
    }
  }
}
