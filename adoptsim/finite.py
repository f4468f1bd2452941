"""Finite numbers only: outcome tables are checked before they are written.

A NaN or an infinity in a written outcome would flow silently into means,
comparisons and reports. :func:`check_finite` refuses a table with one,
naming the scenario and the column; :func:`json_safe` turns NaN and
infinities in a JSON record into ``null`` (strict JSON; "not reached" or
"unlimited" in a summary, never a number).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class NonFiniteError(ValueError):
    """An outcome table holds NaN or an infinity; the message names the scenario and the column."""


def check_finite(columns, origin: str) -> None:
    """Raise :class:`NonFiniteError` if any float column of ``columns`` (a DataFrame, an Arrow table
    or a dict of arrays) holds a non-finite value."""
    if hasattr(columns, "column_names"):  # pyarrow.Table
        items = ((name, columns.column(name).to_numpy()) for name in columns.column_names
                 if columns.schema.field(name).type.id in _ARROW_FLOATS())
    elif hasattr(columns, "items"):
        items = columns.items()
    else:
        raise TypeError(f"check_finite: cannot read columns of {type(columns).__name__}")
    for name, values in items:
        values = np.asarray(values)
        if values.dtype.kind not in "fc":
            continue
        bad = ~np.isfinite(values)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise NonFiniteError(f"{origin}: outcome column {name!r} holds {int(bad.sum())} non-finite value(s) "
                                 f"(first: {values[first]!r} at row {first}); nothing was written. This is a "
                                 "model bug or a parameter far outside its evidence: report it with the scenario")


def _ARROW_FLOATS() -> set:
    import pyarrow as pa

    return {pa.float16().id, pa.float32().id, pa.float64().id}


def json_safe(value: Any) -> Any:
    """``value`` with every NaN / infinity (also in numpy scalars, nested dicts and lists) replaced by None."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
