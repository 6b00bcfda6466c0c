#!/usr/bin/env python3
"""Runs the seed notebook's transformation code on one date's landing files and writes what it produces.

The three methods below are copied verbatim from Part 3 (`Transformer`) of
shared/seed/000_d45b453a059b2a70.txt; only the missing `Tuple` import is added. The inputs are read the
way the seed's `DataLake.read_csv` reads them (`pd.read_csv` with no options) and the outputs are
written the way its `write_csv` writes them (`df.to_csv(index=False)`). Unlike the seed's
`_load_latest_landing_data`, exactly one transactions file (the run's date) and one customers/products
snapshot are given, which is the behaviour the TypeScript transform keeps (see design.md).

usage: seed_transform.py TRANSACTIONS.csv CUSTOMERS.csv PRODUCTS.csv OUT_DIR
writes OUT_DIR/enriched.csv, daily_summary.csv and metrics.json (the cleaned data is enriched.csv without
its six enrichment columns: the left joins keep every row, in order)
"""
import json
import sys
from pathlib import Path
from typing import Any, Dict, Tuple

import numpy as np
import pandas as pd


class Transformer:
    def clean_transactions(self, df: pd.DataFrame) -> Tuple[pd.DataFrame, Dict[str, Any]]:
        """
        Clean and standardize transaction data.
        
        Parameters
        ----------
        df : pd.DataFrame
            Raw transaction data
        
        Returns
        -------
        tuple
            (cleaned DataFrame, cleaning metrics)
        """
        metrics = {'initial_rows': len(df)}
        
        # Remove duplicates
        df = df.drop_duplicates(subset=['transaction_id'])
        metrics['after_dedup'] = len(df)
        
        # Handle missing regions (fill with 'Unknown')
        null_regions = df['region'].isnull().sum()
        df['region'] = df['region'].fillna('Unknown')
        metrics['null_regions_filled'] = null_regions
        
        # Standardize product names
        df['product'] = df['product'].str.strip().str.title()
        
        # Parse timestamp
        df['timestamp'] = pd.to_datetime(df['timestamp'])
        
        # Add derived columns
        df['date'] = df['timestamp'].dt.date
        df['hour'] = df['timestamp'].dt.hour
        df['day_of_week'] = df['timestamp'].dt.day_name()
        df['is_weekend'] = df['timestamp'].dt.dayofweek >= 5
        
        # Remove invalid transactions (negative amounts)
        invalid_mask = df['total_amount'] < 0
        metrics['invalid_amounts_removed'] = invalid_mask.sum()
        df = df[~invalid_mask]
        
        metrics['final_rows'] = len(df)
        
        return df, metrics
    
    def enrich_transactions(
        self, 
        transactions: pd.DataFrame,
        customers: pd.DataFrame,
        products: pd.DataFrame
    ) -> pd.DataFrame:
        """
        Enrich transaction data with customer and product information.
        
        Parameters
        ----------
        transactions : pd.DataFrame
            Cleaned transaction data
        customers : pd.DataFrame
            Customer dimension data
        products : pd.DataFrame
            Product dimension data
        
        Returns
        -------
        pd.DataFrame
            Enriched transaction data
        """
        # Join with customers
        df = transactions.merge(
            customers[['customer_id', 'segment', 'lifetime_value']],
            on='customer_id',
            how='left'
        )
        
        # Fill missing customer info
        df['segment'] = df['segment'].fillna('Unknown')
        df['lifetime_value'] = df['lifetime_value'].fillna(0)
        
        # Join with products
        df = df.merge(
            products[['product', 'category', 'cost']],
            on='product',
            how='left'
        )
        
        # Calculate profit metrics
        df['profit'] = df['total_amount'] - (df['cost'].fillna(0) * df['quantity'])
        df['profit_margin'] = (df['profit'] / df['total_amount'] * 100).round(2)
        
        return df
    
    def create_daily_summary(
        self, 
        enriched_transactions: pd.DataFrame
    ) -> pd.DataFrame:
        """
        Create daily summary aggregations.
        
        Parameters
        ----------
        enriched_transactions : pd.DataFrame
            Enriched transaction data
        
        Returns
        -------
        pd.DataFrame
            Daily summary metrics
        """
        summary = enriched_transactions.groupby(['date', 'region', 'category']).agg({
            'transaction_id': 'count',
            'customer_id': 'nunique',
            'quantity': 'sum',
            'total_amount': 'sum',
            'profit': 'sum'
        }).reset_index()
        
        summary.columns = [
            'date', 'region', 'category', 
            'transaction_count', 'unique_customers',
            'total_quantity', 'revenue', 'profit'
        ]
        
        summary['avg_transaction_value'] = (summary['revenue'] / summary['transaction_count']).round(2)
        
        return summary


def plain(value: Any) -> Any:
    """numpy scalars to JSON; NaN and infinities to null, as the TypeScript metrics do."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value) if np.isfinite(value) else None
    return value


def main() -> None:
    transactions_path, customers_path, products_path, out_dir = sys.argv[1:5]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    transformer = Transformer()

    raw_transactions = pd.read_csv(transactions_path)
    customers = pd.read_csv(customers_path)
    products = pd.read_csv(products_path)

    # As run_transformation_pipeline, steps 2 to 4.
    cleaned_transactions, clean_metrics = transformer.clean_transactions(raw_transactions)
    enriched = transformer.enrich_transactions(cleaned_transactions, customers, products)
    enriched.to_csv(out / 'enriched.csv', index=False)
    daily_summary = transformer.create_daily_summary(enriched)
    daily_summary.to_csv(out / 'daily_summary.csv', index=False)

    metrics = {
        'clean': clean_metrics,
        'enrich': {
            'customers_matched': (enriched['segment'] != 'Unknown').sum(),
            'products_matched': enriched['category'].notna().sum(),
        },
        'aggregate': {
            'total_revenue': enriched['total_amount'].sum(),
            'total_profit': enriched['profit'].sum(),
            'unique_dates': enriched['date'].nunique(),
        },
    }
    metrics = {step: {k: plain(v) for k, v in values.items()} for step, values in metrics.items()}
    (out / 'metrics.json').write_text(json.dumps(metrics, indent=2) + '\n')


if __name__ == '__main__':
    main()
