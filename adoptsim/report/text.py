"""Numbers and durations as the report's readers see them (a dash for a missing value)."""

from __future__ import annotations

import math

import pandas as pd


def when(months: int) -> str:
    """``60`` -> ``5 years``; ``30`` -> ``30 months``."""
    years = months / 12
    return f"{years:g} year{'s' if years != 1 else ''}" if months % 12 == 0 else f"{months} months"


def percent(x: float) -> str:
    """A share as a percentage to one decimal."""
    return "–" if pd.isna(x) else f"{100 * x:.1f} %"


def points(x: float) -> str:
    """A difference of shares in signed percentage points."""
    return "–" if pd.isna(x) else f"{100 * x:+.1f}"


def number(x: float, decimals: int = 0, signed: bool = False) -> str:
    """A number with thousands separators."""
    return "–" if pd.isna(x) or not math.isfinite(x) else f"{x:{'+' if signed else ''},.{decimals}f}"


def cell(value: object) -> str:
    """A table cell: floats to 4 significant digits, anything else as text."""
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.4g}"
    return str(value)
