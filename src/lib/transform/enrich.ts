import { csvField, type RowBatch } from '../lake/csv.ts';
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
 * quantity` and `profit_margin = round(profit / total_amount * 100, 2)` with numpy's rounding. Each
 * row's cleaned CSV line is extended with the enrichment columns, and the row is fed to the daily summary.
 */
export class TransactionEnricher {
  readonly metrics: EnrichMetrics = { customers_matched: 0, products_matched: 0 };
  /** Rows enriched so far. */
  rows = 0;

  /** Per customer row: `segment,lifetime_value` as CSV, formatted once instead of once per transaction. */
  private readonly customerCsv: string[];
  /** Per product row: `category,cost` as CSV. */
  private readonly productCsv: string[];

  constructor(
    private readonly col: TransactionColumns,
    private readonly customers: CustomerTable,
    private readonly products: ProductTable,
    private readonly summary: DailySummary,
  ) {
    this.customerCsv = customers.segment.map(
      (segment, c) => `${csvField(segment)},${csvField(customers.lifetimeValue[c] as string)}`,
    );
    this.productCsv = products.category.map(
      (category, p) => `${csvField(category)},${csvField(products.costText[p] as string)}`,
    );
  }

  /**
   * Enriches the first `count` rows of `batch`, cleaned by `cleaned`: `lines[i]`, the cleaned CSV line of
   * row i, becomes its enriched line (the cleaned line, then the enrichment columns).
   */
  enrichBatch(batch: RowBatch, count: number, cleaned: TransactionCleaner, lines: string[]): void {
    const { col, customers, products, metrics, customerCsv, productCsv } = this;
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
      // segment, lifetime_value, category, cost, profit, profit_margin; numbers never need quoting.
      const customerPart = c >= 0 ? (customerCsv[c] as string) : 'Unknown,0';
      const productPart = p >= 0 ? (productCsv[p] as string) : ',';
      lines[i] = `${lines[i]},${customerPart},${productPart},${formatNumber(profit)},${formatNumber(margin)}`;

      const id = row[col.transaction_id] as string;
      this.summary.add(
        cleaned.dates[i] as string,
        row[col.region] as string,
        categoryIsNull ? undefined : (products.category[p] as string),
        isNull(id) ? undefined : id,
        customerIsNull ? undefined : customerId,
        customerIsNull ? -1 : c,
        quantity,
        amount,
        profit,
      );
    }
  }
}
