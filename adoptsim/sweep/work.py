"""A unit of work: run one variant for a block of replicates, return its rows.

This is what executes on a worker (another process or machine): it takes only
plain data (the scenario as a dict, seeds), so it pickles cheaply, and it
returns a DataFrame; the parent process writes it. Nothing here depends on
which worker runs it, so results are identical for any number of workers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..kernel import simulate
from ..outcomes import series_frame
from ..population import build_world
from ..scenario import Scenario


def run_replicate(scenario: Scenario) -> pd.DataFrame:
    """One run through the kernel (no Mesa agents), as the monthly outcome table."""
    w = build_world(scenario)
    simulate(w.firms, w.options, w.params, w.cost, w.series)
    f = w.firms
    return series_frame(w.series, w.profile, f.shape[0],
                        np.bincount(f.sector, minlength=len(w.profile.sectors)),
                        np.bincount(f.size_class, minlength=3),
                        np.bincount(f.member.astype(np.int64), minlength=2))


def run_unit(task: dict) -> pd.DataFrame:
    """Run ``task`` = {scenario, variant, variant_name, replicates, seeds}; rows of every run."""
    base = Scenario.model_validate(task["scenario"])
    frames = [run_replicate(base.model_copy(update={"seed": seed})) for seed in task["seeds"]]
    rows = len(frames[0])
    ids = pd.DataFrame({
        "variant": np.repeat(task["variant"], rows * len(frames)),
        "variant_name": np.repeat(task["variant_name"], rows * len(frames)),
        "replicate": np.repeat(np.asarray(task["replicates"], np.int64), rows),
        "seed": np.repeat(np.asarray(task["seeds"], np.int64), rows),
    })
    return pd.concat([ids, pd.concat(frames, ignore_index=True)], axis=1)
