#!/usr/bin/env python3
"""Writes the landing files of a generated parity case: seed-like data with every defect the cleaning
handles (duplicate ids, null regions in several spellings, messy and unknown products, unknown
customers, negative, zero and null amounts), deterministic for a given seed.

usage: generate_case.py CASE_DIR   (reads CASE_DIR/case.json: date, generate.rows, generate.seed)
"""
import csv
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

PRODUCTS = ['Widget A', 'Widget B', 'Gadget X', 'Gadget Y', 'Service Z']
REGIONS = ['US-East', 'US-West', 'EU', 'APAC']
NULLS = ['', 'NA', 'null', 'N/A', 'NaN', 'n/a']


def write(path: Path, header, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open('w', newline='') as out:
        writer = csv.writer(out, lineterminator='\n')
        writer.writerow(header)
        writer.writerows(rows)


def messy(rng, product: str) -> str:
    variant = rng.integers(0, 5)
    if variant == 0:
        return product.lower()
    if variant == 1:
        return product.upper()
    if variant == 2:
        return f'  {product.lower()} '
    if variant == 3:
        return product.replace(' ', '-').lower()
    return f'\t{product}'


def main() -> None:
    case_dir = Path(sys.argv[1])
    case = json.loads((case_dir / 'case.json').read_text())
    rng = np.random.default_rng(case['generate']['seed'])
    n = case['generate']['rows']
    date = datetime.fromisoformat(case['date'])

    rows = []
    for i in range(n):
        # Mostly the run's date, a few late or early arrivals from the neighbouring days.
        day = int(rng.choice([-1, 0, 0, 0, 0, 0, 0, 0, 0, 1]))
        ts = date + timedelta(days=day, seconds=int(rng.integers(0, 86400)))
        product = str(rng.choice(PRODUCTS))
        roll = rng.random()
        if roll < 0.06:
            product = messy(rng, product)
        elif roll < 0.08:
            product = str(rng.choice(['Gizmo Q', 'widget c', 'Service Y']))
        quantity = int(rng.integers(1, 10))
        unit_price = round(float(rng.uniform(10, 500)), 2)
        amount = repr(quantity * unit_price)
        roll = rng.random()
        if roll < 0.006:
            amount = repr(-quantity * unit_price)
        elif roll < 0.012:
            amount = str(rng.choice(NULLS))
        elif roll < 0.016:
            amount = '0'
        region = str(rng.choice(REGIONS)) if rng.random() >= 0.03 else str(rng.choice(NULLS))
        txn = f'TXN{date:%Y%m%d}{i:06d}'
        if i > 10 and rng.random() < 0.015:
            txn = rows[int(rng.integers(0, len(rows)))][0]
        customer = f'CUST{int(rng.integers(1000, 1400))}'
        stamp = ts.strftime('%Y-%m-%d %H:%M:%S') if rng.random() >= 0.02 else ts.strftime('%Y-%m-%dT%H:%M:%S')
        rows.append([txn, stamp, customer, product, quantity, unit_price, region, amount])
    write(case_dir / case['transactions'], ['transaction_id', 'timestamp', 'customer_id', 'product', 'quantity',
                                           'unit_price', 'region', 'total_amount'], rows)

    segments = ['Bronze', 'Silver', 'Gold', 'Platinum']
    customers = []
    for i in range(300):
        segment = str(rng.choice(segments, p=[0.4, 0.35, 0.2, 0.05])) if rng.random() >= 0.02 else ''
        value = repr(round(float(rng.exponential(500)), 2)) if rng.random() >= 0.02 else 'NA'
        joined = datetime(2020, 1, 1) + timedelta(days=int(rng.integers(0, 1500)))
        customers.append([f'CUST{i + 1000}', f'Customer {i + 1}', segment, f'{joined:%Y-%m-%d}', value])
    write(case_dir / case['customers'], ['customer_id', 'customer_name', 'segment', 'join_date', 'lifetime_value'],
          customers)

    products = [
        ['Widget A', 'Hardware', '25.0', 'True'],
        ['Widget B', 'Hardware', '45.0', 'True'],
        ['Gadget X', 'Electronics', '120.0', 'True'],
        ['Gadget Y', 'Electronics', '85.0', 'True'],
        ['Service Z', 'Services', '50.0', 'True'],
        ['Widget C', 'Hardware', '', 'False'],
    ]
    write(case_dir / case['products'], ['product', 'category', 'cost', 'active'], products)


if __name__ == '__main__':
    main()
