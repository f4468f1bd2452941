"""Compare a sweep's scenarios with its baseline: what each one buys, how sure that is, at what public cost.

:func:`compare` turns a results frame into one row per (variant, horizon),
every measure (:data:`MEASURES`: adoption, compliance, water, pollution,
public cost, cost per extra adopter, cost per m³/yr) with paired bootstrap
intervals, ranked by the one asked for; :func:`format_table` prints it in 100
columns; :func:`compare_directory` does both from a results directory and
writes the CSV and the figures. :class:`Comparison` wraps a table for display
(``print`` gives :func:`format_table`, Jupyter an HTML table).
"""

from .display import Comparison, format_table
from .effects import (BY, COLUMNS, MEASURES, RESAMPLES, TEXT, Measure, Spread, bootstrap_means, clip_horizons,
                      compare, currency_of, measure, paired_cells, paired_interval, rank, spread)
from .files import COMPARE_DIR, compare_directory, write_table

__all__ = ["BY", "COLUMNS", "COMPARE_DIR", "MEASURES", "RESAMPLES", "TEXT", "Comparison", "Measure",
           "bootstrap_means", "clip_horizons", "compare", "compare_directory", "currency_of", "format_table",
           "measure", "paired_cells", "paired_interval", "rank", "Spread", "spread", "write_table"]
