import { formatNumber } from '../sources/values.ts';
import { type KahanState, kahanAdd, NeumaierSum, numpyRound } from './numeric.ts';
import { compareCodePoints } from './pandas-text.ts';
import { TextSet } from './text-set.ts';

/** One (date, region, category) group of the daily summary. */
interface Group {
  transactions: number;
  /**
   * Distinct customers: a bit per customer of the dimension table (a group of a 100k-row date holds
   * thousands of customers; bits take 1 KB where strings took hundreds), and the few ids that are not
   * in the table by text. Table keys are unique, so an id is counted in one place only.
   */
  customerBits: Uint32Array;
  knownCustomers: number;
  otherCustomers: TextSet | undefined;
  quantity: KahanState;
  revenue: KahanState;
  profit: KahanState;
}

/** The seed's aggregate metrics. */
export interface AggregateMetrics {
  total_revenue: number | null;
  total_profit: number | null;
  unique_dates: number;
}

/**
 * The seed's `create_daily_summary`, accumulated as enriched rows stream by: pandas' `groupby` over
 * (date, region, category) with null keys dropped, sums compensated in row order exactly as pandas'
 * `group_add` does, groups sorted by key. Groups are nested maps, so adding a row allocates nothing
 * once its group exists.
 */
export class DailySummary {
  private readonly groups = new Map<string, Map<string, Map<string, Group>>>();
  private readonly dates = new Set<string>();
  private readonly revenue = new NeumaierSum();
  private readonly profit = new NeumaierSum();

  /** @param customerRows rows of the customer table whose row numbers {@link add} receives */
  constructor(private readonly customerRows = 0) {}

  /**
   * Adds one enriched row. `date` is `''` for NaT and `category` undefined for a null category: such
   * rows count towards the totals but, like pandas' `dropna=True`, belong to no group. `id` and
   * `customer` are undefined when null; `customerRow` is the customer's row in the customer table (-1
   * when it has none); `quantity`, `amount`, `profit` are NaN when null.
   */
  add(
    date: string,
    region: string,
    category: string | undefined,
    id: string | undefined,
    customer: string | undefined,
    customerRow: number,
    quantity: number,
    amount: number,
    profit: number,
  ): void {
    this.revenue.add(amount);
    this.profit.add(profit);
    if (date === '') return;
    this.dates.add(date);
    if (category === undefined) return;
    const group = this.group(date, region, category);
    if (id !== undefined) group.transactions++;
    if (customer !== undefined) {
      if (customerRow >= 0 && customerRow < this.customerRows) {
        const word = customerRow >>> 5;
        const bit = 1 << (customerRow & 31);
        const bits = group.customerBits;
        if (((bits[word] as number) & bit) === 0) {
          bits[word] = (bits[word] as number) | bit;
          group.knownCustomers++;
        }
      } else {
        group.otherCustomers ??= new TextSet();
        group.otherCustomers.add(customer);
      }
    }
    kahanAdd(group.quantity, quantity);
    kahanAdd(group.revenue, amount);
    kahanAdd(group.profit, profit);
  }

  private group(date: string, region: string, category: string): Group {
    let byRegion = this.groups.get(date);
    if (!byRegion) {
      byRegion = new Map();
      this.groups.set(date, byRegion);
    }
    let byCategory = byRegion.get(region);
    if (!byCategory) {
      byCategory = new Map();
      byRegion.set(region, byCategory);
    }
    let group = byCategory.get(category);
    if (!group) {
      group = {
        transactions: 0,
        customerBits: new Uint32Array((this.customerRows + 31) >>> 5),
        knownCustomers: 0,
        otherCustomers: undefined,
        quantity: { sum: 0, compensation: 0 },
        revenue: { sum: 0, compensation: 0 },
        profit: { sum: 0, compensation: 0 },
      };
      byCategory.set(category, group);
    }
    return group;
  }

  /** The summary rows in `SUMMARY_COLUMNS` order, sorted by date, region, category (code points). */
  rows(): string[][] {
    const rows: string[][] = [];
    for (const date of sortedKeys(this.groups)) {
      const byRegion = this.groups.get(date) as Map<string, Map<string, Group>>;
      for (const region of sortedKeys(byRegion)) {
        const byCategory = byRegion.get(region) as Map<string, Group>;
        for (const category of sortedKeys(byCategory)) {
          const g = byCategory.get(category) as Group;
          rows.push([
            date,
            region,
            category,
            String(g.transactions),
            String(g.knownCustomers + (g.otherCustomers?.size ?? 0)),
            formatNumber(g.quantity.sum),
            formatNumber(g.revenue.sum),
            formatNumber(g.profit.sum),
            formatNumber(numpyRound(g.revenue.sum / g.transactions, 2)),
          ]);
        }
      }
    }
    return rows;
  }

  /** total_revenue and total_profit (`Series.sum`: nulls skipped, 0 when empty), unique_dates. */
  metrics(): AggregateMetrics {
    return {
      total_revenue: finiteOrNull(this.revenue.value),
      total_profit: finiteOrNull(this.profit.value),
      unique_dates: this.dates.size,
    };
  }
}

const sortedKeys = (map: Map<string, unknown>): string[] => [...map.keys()].sort(compareCodePoints);
/** JSON has no NaN or infinity; a run record shows them as null. */
const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);
