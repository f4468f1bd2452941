"""A unit of work: run one variant for a block of replicates, return its rows.

This is what executes on a worker (another process or machine): it takes only
plain data (the scenario as a dict, seeds), so it pickles cheaply, and it
returns an Arrow table; the parent process writes it. Nothing here depends on
which worker runs it, so results are identical for any number of workers.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..kernel import simulate
from ..outcomes import series_columns
from ..population import build_world
from ..scenario import Scenario


def run_replicate(scenario: Scenario) -> dict[str, np.ndarray]:
    """One run through the kernel (no Mesa agents), as the monthly outcome columns."""
    w = build_world(scenario)
    simulate(w.firms, w.options, w.params, w.cost, w.series, w.bodies)
    f = w.firms
    return series_columns(w.series, w.profile, f.shape[0],
                          np.bincount(f.sector, minlength=len(w.profile.sectors)),
                          np.bincount(f.size_class, minlength=3),
                          np.bincount(f.member.astype(np.int64), minlength=2))


def warm_up() -> None:
    """Import the model and load its compiled kernel (numba cache) with a tiny run, once per worker,
    so no unit pays the start-up; a failure here is left for the first unit to report."""
    try:
        from ..scenario import default_scenario

        run_replicate(default_scenario(n_firms=4, months=2))
    except Exception:  # noqa: BLE001 - the first real unit raises it with its context
        pass


def run_unit(task: dict) -> pa.Table:
    """Run ``task`` = {scenario, variant, variant_name, replicates, seeds}; rows of every run."""
    base = Scenario.model_validate(task["scenario"])
    runs = [run_replicate(base.model_copy(update={"seed": seed})) for seed in task["seeds"]]
    rows = len(runs[0]["month"])
    columns = {
        "variant": pa.array([task["variant"]] * (rows * len(runs))),
        "variant_name": pa.array([task["variant_name"]] * (rows * len(runs))),
        "replicate": np.repeat(np.asarray(task["replicates"], np.int64), rows),
        "seed": np.repeat(np.asarray(task["seeds"], np.int64), rows),
    }
    for name in runs[0]:
        columns[name] = np.concatenate([run[name] for run in runs])
    return pa.table(columns)
