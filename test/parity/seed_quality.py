#!/usr/bin/env python3
"""Runs the seed notebook's DataQualityChecker (Part 4) on an enriched CSV, with both suites.

The checker classes are copied verbatim from shared/seed/000_d45b453a059b2a70.txt; the `notebook` suite
is the checker Part 4 configures, `pipeline` is Part 5's `pipeline_checker`. The dataset is read as the
seed reads it (`pd.read_csv`).

usage: seed_quality.py ENRICHED.csv OUT.json
"""
import json
import sys
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Callable, Dict, List, Optional

import numpy as np
import pandas as pd


class QualityCheckType(Enum):
    """Types of data quality checks."""
    COMPLETENESS = "completeness"
    UNIQUENESS = "uniqueness"
    VALIDITY = "validity"
    CONSISTENCY = "consistency"
    TIMELINESS = "timeliness"


@dataclass
class QualityCheck:
    name: str
    check_type: QualityCheckType
    column: Optional[str]
    check_fn: Callable[[pd.DataFrame], float]
    threshold: float = 0.95


@dataclass
class QualityReport:
    dataset_name: str
    timestamp: datetime
    overall_score: float
    passed: bool
    check_results: List[Dict[str, Any]]


class DataQualityChecker:
    def __init__(self):
        self.checks: List[QualityCheck] = []
    
    def add_check(self, check: QualityCheck) -> None:
        """Add a quality check to run."""
        self.checks.append(check)
    
    def add_completeness_check(
        self, 
        column: str, 
        threshold: float = 0.95
    ) -> None:
        """Add a check for column completeness (non-null rate)."""
        self.add_check(QualityCheck(
            name=f"Completeness: {column}",
            check_type=QualityCheckType.COMPLETENESS,
            column=column,
            check_fn=lambda df, col=column: 1 - df[col].isnull().mean(),
            threshold=threshold
        ))
    
    def add_uniqueness_check(
        self, 
        column: str, 
        threshold: float = 1.0
    ) -> None:
        """Add a check for column uniqueness."""
        self.add_check(QualityCheck(
            name=f"Uniqueness: {column}",
            check_type=QualityCheckType.UNIQUENESS,
            column=column,
            check_fn=lambda df, col=column: df[col].nunique() / len(df),
            threshold=threshold
        ))
    
    def add_range_check(
        self, 
        column: str, 
        min_val: float, 
        max_val: float,
        threshold: float = 0.99
    ) -> None:
        """Add a check for values within expected range."""
        self.add_check(QualityCheck(
            name=f"Range: {column} [{min_val}, {max_val}]",
            check_type=QualityCheckType.VALIDITY,
            column=column,
            check_fn=lambda df, col=column, mn=min_val, mx=max_val: 
                ((df[col] >= mn) & (df[col] <= mx)).mean(),
            threshold=threshold
        ))
    
    def add_custom_check(
        self,
        name: str,
        check_fn: Callable[[pd.DataFrame], float],
        check_type: QualityCheckType = QualityCheckType.VALIDITY,
        threshold: float = 0.95
    ) -> None:
        """Add a custom quality check."""
        self.add_check(QualityCheck(
            name=name,
            check_type=check_type,
            column=None,
            check_fn=check_fn,
            threshold=threshold
        ))
    
    def run_checks(self, df: pd.DataFrame, dataset_name: str) -> QualityReport:
        results = []
        all_passed = True
        
        for check in self.checks:
            try:
                score = check.check_fn(df)
                passed = score >= check.threshold
                status = "PASS" if passed else "FAIL"
                
                if not passed:
                    all_passed = False
                
                results.append({
                    'check_name': check.name,
                    'check_type': check.check_type.value,
                    'score': round(score, 4),
                    'threshold': check.threshold,
                    'status': status
                })
            except Exception as e:
                results.append({
                    'check_name': check.name,
                    'check_type': check.check_type.value,
                    'score': 0,
                    'threshold': check.threshold,
                    'status': f"ERROR: {str(e)}"
                })
                all_passed = False
        
        overall_score = np.mean([r['score'] for r in results if isinstance(r['score'], (int, float))])
        
        return QualityReport(
            dataset_name=dataset_name,
            timestamp=datetime.now(),
            overall_score=round(overall_score, 4),
            passed=all_passed,
            check_results=results
        )


def notebook_checker() -> DataQualityChecker:
    checker = DataQualityChecker()
    checker.add_uniqueness_check('transaction_id', threshold=1.0)
    checker.add_completeness_check('customer_id', threshold=1.0)
    checker.add_completeness_check('product', threshold=1.0)
    checker.add_completeness_check('region', threshold=0.95)  # Allow some missing
    checker.add_range_check('quantity', 1, 100, threshold=0.99)
    checker.add_range_check('total_amount', 0, 10000, threshold=0.99)
    checker.add_range_check('profit_margin', -50, 100, threshold=0.95)
    checker.add_custom_check(
        name="Positive revenue",
        check_fn=lambda df: (df['total_amount'] > 0).mean(),
        threshold=0.99
    )
    checker.add_custom_check(
        name="Valid segments",
        check_fn=lambda df: df['segment'].isin(['Bronze', 'Silver', 'Gold', 'Platinum', 'Unknown']).mean(),
        threshold=1.0
    )
    return checker


def pipeline_checker() -> DataQualityChecker:
    checker = DataQualityChecker()
    checker.add_uniqueness_check('transaction_id')
    checker.add_completeness_check('customer_id')
    checker.add_range_check('total_amount', 0, 10000)
    return checker


def as_json(report: QualityReport) -> Dict[str, Any]:
    return {
        'overall_score': float(report.overall_score),
        'passed': bool(report.passed),
        'check_results': [
            {**r, 'score': float(r['score']), 'threshold': float(r['threshold'])} for r in report.check_results
        ],
    }


def main() -> None:
    enriched_path, out_path = sys.argv[1:3]
    df = pd.read_csv(enriched_path)
    reports = {
        'notebook': as_json(notebook_checker().run_checks(df, 'Enriched Transactions')),
        'pipeline': as_json(pipeline_checker().run_checks(df, 'Final Output')),
    }
    with open(out_path, 'w') as out:
        out.write(json.dumps(reports, indent=2) + '\n')


if __name__ == '__main__':
    main()
