r"""Parameter sets from a posterior: read the CSV, draw weighted rows.

Input files
-----------
``posterior``: CSV, one row per particle; columns are flat scenario keys
(:func:`adoptsim.scenario.flat_keys`, e.g. ``q_imitation``, ``attention``)
and ``weight``. Other columns are ignored (and listed in the report);
structural keys (cluster, months, seed, n_firms) are ignored too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..scenario import flat_keys
from .experiments import SEED, _scenario
from .results import ValidateError

DRAWS = 5
STRUCTURAL = ("name", "description", "cluster", "months", "seed", "n_firms")


def read_posterior(path: str | Path) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Parameter columns, normalised weights and notes (ignored columns, missing weights) of a posterior CSV.

    Raises
    ------
    FileNotFoundError, ValidateError
        A missing file, no parameter column, or weights that are negative, not finite or all zero.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such posterior file")
    frame = pd.read_csv(path)
    if frame.empty:
        raise ValidateError(f"{path}: the posterior has no rows")
    keys = flat_keys()
    columns = [c for c in frame.columns if c in keys and c not in STRUCTURAL]
    notes = []
    ignored = [c for c in frame.columns if c not in columns and c != "weight"]
    if ignored:
        notes.append(f"posterior {path.name}: columns not used as parameters: {', '.join(map(str, ignored))}")
    if not columns:
        raise ValidateError(f"{path}: no parameter columns (expected flat scenario keys such as q_imitation, "
                         f"attention, horizon_median, and a weight column)")
    if "weight" in frame.columns:
        weights = frame["weight"].to_numpy(float)
        if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise ValidateError(f"{path}: weights must be finite, >= 0 and not all zero")
    else:
        weights = np.ones(len(frame))
        notes.append(f"posterior {path.name}: no weight column; rows weighted equally")
    return frame[columns], weights / weights.sum(), notes


def draw_parameter_sets(frame: pd.DataFrame, weights: np.ndarray, draws: int = DRAWS,
                        seed: int = SEED) -> list[dict[str, Any]]:
    """``draws`` rows drawn with replacement in proportion to ``weights`` (seeded), as flat overrides.

    Each set is validated as a scenario, so a value out of range fails here with the key named.
    """
    rows = np.random.default_rng(seed).choice(len(frame), size=draws, replace=True, p=weights)
    sets = []
    for r in rows:
        values = {k: (v.item() if hasattr(v, "item") else v) for k, v in frame.iloc[int(r)].items()}
        _scenario(values)
        sets.append(values)
    return sets
