/** A deterministic pick from `n` (an LCG, so the file is the same on every run). */
export function picker(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`;
const PRODUCTS = [
  'Widget A',
  quoted('Widget B'),
  quoted('  gadget x '),
  'Gadget Y',
  'Service Z',
  quoted('Gadget, Deluxe'),
];
const REGIONS = [
  'EU',
  quoted('EU, West'),
  quoted('APAC\nSouth'),
  quoted('US "East"'),
  '',
  'US-West',
  quoted('Zürich, 北'),
];

/**
 * Transactions as an outside system might export them: a BOM, CRLF line endings, quoted fields with
 * commas, line breaks, doubled quotes and multi-byte characters, duplicates, negative amounts, null
 * regions. About 90 bytes a row.
 */
export function transactionsCsv(rows: number, date: string): string {
  const pick = picker(7);
  const lines = ['transaction_id,timestamp,customer_id,product,quantity,unit_price,region,total_amount'];
  for (let i = 0; i < rows; i++) {
    const id = pick(40) === 0 ? `TXN${pick(Math.max(i, 1))}` : `TXN${String(i).padStart(8, '0')}`;
    const seconds = pick(86_400);
    const time = [seconds / 3600, (seconds / 60) % 60, seconds % 60]
      .map((n) => String(Math.floor(n)).padStart(2, '0'))
      .join(':');
    const quantity = 1 + pick(9);
    const price = (1000 + pick(49_000)) / 100;
    const amount = pick(150) === 0 ? -quantity * price : quantity * price;
    const customer = pick(30) === 0 ? quoted(`CUST${1000 + pick(500)}`) : `CUST${1000 + pick(500)}`;
    const product = PRODUCTS[pick(PRODUCTS.length)];
    const region = REGIONS[pick(REGIONS.length)];
    lines.push(`${id},${date} ${time},${customer},${product},${quantity},${price},${region},${amount}`);
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

/** 480 customers, some with quoted names holding commas, quotes, a line break and an emoji. */
export function customersCsv(): string {
  const pick = picker(11);
  const segments = ['Gold', 'Silver', 'Bronze', quoted('Platinum'), ''];
  const lines = ['customer_id,customer_name,segment,join_date,lifetime_value'];
  for (let i = 0; i < 480; i++) {
    const name = pick(3) === 0 ? quoted(`Doe, Jane "${i}"\nZoë 😀`) : `Customer ${i}`;
    lines.push(
      `CUST${1000 + i},${name},${segments[pick(segments.length)]},2020-01-01,${pick(100_000) / 100}`,
    );
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

/** The catalog, with quoted categories holding a comma and a line break. */
export const PRODUCTS_CSV =
  '\ufeffproduct,category,cost,active\r\nWidget A,Hardware,25,True\r\nWidget B,Hardware,45,True\r\n' +
  '"Gadget X","Electronics, small",120,True\r\nGadget Y,Electronics,85,False\r\nService Z,"Services\nand more",50,True\r\n';
