"""A design evaluated as an ordinary sweep: one variant per design row, replicates averaged.

The sweep machinery gives the study its seeds (common random numbers across
rows), parallel executors and resumable results directory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from ..scenario import Scenario, ScenarioError
from ..sweep import BASELINE, Sweep, Variant, load_results, run_sweep
from ..sweep.work import run_unit
from .config import SensitivityError


class Evaluator(Protocol):
    """Anything that turns a design matrix into one outcome per row."""

    def evaluate(self, X: np.ndarray) -> np.ndarray: ...


@dataclass
class SweepEvaluator:
    """Evaluates a design as a sweep: one variant per row, ``replicates`` runs each, averaged.

    Parameters
    ----------
    base
        The scenario every row modifies.
    names
        Flat scenario keys, one per design column.
    out_dir
        The sweep's results directory (resumable: finished variants are not rerun).
    outcome, month
        The column of each run's table to read, at ``month`` (None: each run's last month).
    replicates, seed
        Runs per row and the sweep seed (common random numbers across rows).
    work
        The unit of work of :func:`~adoptsim.sweep.run_sweep` (default: the model).
    integer
        Keys whose values are rounded to integers for the run.
    """

    base: Scenario
    names: Sequence[str]
    out_dir: Path
    outcome: str = "share_adopted"
    month: int | None = None
    replicates: int = 1
    seed: int = 0
    name: str = "sensitivity"
    work: Callable[[dict], pd.DataFrame] = run_unit
    workers: int = 1
    dask: str | None = None
    overwrite: bool = False
    progress: bool = True
    integer: frozenset[str] = field(default_factory=frozenset)

    def sweep(self, X: np.ndarray) -> Sweep:
        """The sweep for design ``X``: ``s000`` the base scenario, then row ``i`` as variant ``i + 1``."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != len(self.names):
            raise ValueError(f"design must have one column per parameter ({len(self.names)}), got shape {X.shape}")
        variants = [Variant(BASELINE, "baseline", {})]
        for row in X:
            overrides = {k: (int(round(v)) if k in self.integer else float(v)) for k, v in zip(self.names, row)}
            label = ", ".join(f"{k}={v:.4g}" for k, v in overrides.items())
            variants.append(Variant(f"s{len(variants):03d}", label, overrides))
        sweep = Sweep(name=self.name, base=self.base, variants=variants, replicates=self.replicates, seed=self.seed)
        for v in variants:  # every row a valid scenario before anything runs
            try:
                sweep.scenario(v)
            except ScenarioError as err:
                raise SensitivityError(f"design row {int(v.id[1:]) - 1} ({v.name}): {err}") from None
        return sweep

    def outcomes(self, X: np.ndarray) -> pd.Series:
        """Run the design; mean outcome per variant: ``s000`` (the base scenario), then each row in order."""
        sweep = self.sweep(X)
        run_sweep(sweep, self.out_dir, workers=self.workers, dask=self.dask, overwrite=self.overwrite,
                  progress=self.progress, work=self.work)
        frame, _ = load_results(self.out_dir)
        ids = [v.id for v in sweep.variants]
        return pd.Series(outcome_by_variant(frame, ids, self.outcome, self.month, self.replicates), index=ids)

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        return self.outcomes(X).to_numpy()[1:]


def outcome_by_variant(frame: pd.DataFrame, ids: Sequence[str], outcome: str, month: int | None,
                       replicates: int) -> np.ndarray:
    """``outcome`` at ``month`` (None: last), averaged over replicates, one value per id in ``ids`` order.

    Rows are matched by variant id, never by position, so the file order of a
    results directory cannot scramble the design.
    """
    if outcome not in frame.columns:
        raise SensitivityError(f"outcome {outcome!r} is not a column of the results")
    month = int(frame["month"].max()) if month is None else month
    at = frame.loc[frame["month"] == month, ["variant", "replicate", outcome]]
    grouped = at.groupby("variant")
    counts = grouped["replicate"].nunique().reindex(ids)
    short = counts[counts.fillna(0) < replicates]
    if len(short):
        raise SensitivityError(f"{len(short)} design rows lack runs at month {month} "
                               f"(first: {', '.join(short.index[:5])}); run the sensitivity again to finish them")
    return grouped[outcome].mean().reindex(ids).to_numpy(dtype=float)
