"""The whole study: sample, run the design as a sweep, analyse, and write the results directory."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..outcomes import atomic_path, write_json
from .config import SensitivityConfig, SensitivityError, load_config
from .evaluate import SweepEvaluator
from .salib import analyze, problem, sample


def run_sensitivity(config_path: str | Path | SensitivityConfig, out_dir: str | Path, workers: int = 1,
                    dask: str | None = None, progress: bool = True, *, overwrite: bool = False) -> pd.DataFrame:
    """Run the sensitivity analysis of ``config_path`` into ``out_dir``; return the indices table.

    ``config_path`` may also be a :class:`SensitivityConfig` already loaded
    with :func:`load_config` (the command line prints it first).

    The model runs go to ``out_dir/sweep`` (resumable: run again after an
    interruption and only the missing runs are made; ``overwrite`` replaces
    the runs of a different design). Writes ``design.csv``, ``indices.csv``,
    ``indices.png`` and ``sensitivity.json`` in ``out_dir``.
    """
    from ..viz.curves import save_figure
    from ..viz.indices import indices_chart

    t0 = time.perf_counter()
    config = config_path if isinstance(config_path, SensitivityConfig) else load_config(config_path)
    out_dir = Path(out_dir)
    prob = problem(config.parameters)
    X = sample(prob, config.method, config.samples, config.seed)
    evaluator = SweepEvaluator(base=config.base, names=prob["names"], out_dir=out_dir / "sweep",
                               outcome=config.outcome, month=config.month, replicates=config.replicates,
                               seed=config.seed, name=config.name, workers=workers, dask=dask,
                               overwrite=overwrite, progress=progress, integer=config.integer)
    values = evaluator.outcomes(X)
    baseline, Y = float(values.iloc[0]), values.to_numpy()[1:]
    if np.ptp(Y) == 0:
        raise SensitivityError(f"{config.path}: [sensitivity] outcome: {config.outcome} is {Y[0]:g} at month "
                               f"{config.month} for every design row; there is no variation to attribute")
    table = analyze(prob, config.method, X, Y, config.seed)
    table.attrs.update(method=config.method, outcome=config.outcome, month=config.month)

    design = pd.DataFrame(X, columns=prob["names"])
    design.insert(0, "variant", [f"s{i + 1:03d}" for i in range(len(design))])
    design[config.outcome] = Y
    _write_csv(design, out_dir / "design.csv", index=False)
    _write_csv(table, out_dir / "indices.csv", index=True)
    save_figure(indices_chart(table, config.method, config.outcome, month=config.month), out_dir / "indices.png")
    write_json({
        "name": config.name, "config": str(config.path), "base": config.base.model_dump(mode="json"),
        "method": config.method, "samples": config.samples, "replicates": config.replicates,
        "seed": config.seed, "outcome": config.outcome, "month": config.month, "problem": prob,
        "design_rows": len(X), "runs": config.runs, "baseline_outcome": baseline,
        "outcome_mean": float(np.mean(Y)), "outcome_std": float(np.std(Y)),
        "seconds": round(time.perf_counter() - t0, 1),
    }, out_dir / "sensitivity.json")
    return table


def _write_csv(frame: pd.DataFrame, path: Path, index: bool) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=index)
