"""The uncertainty band: where adoption could plausibly be with the levers as set, over the calibrated posterior.

A live run shows one set of behavioural parameters; what the calibration
leaves unknown about how firms behave is in its posterior sample. The band is
the 5-95 % range, month by month, of the share of firms that adopted over
:data:`DRAWS` weighted posterior draws x one replicate of the same scenario
(:func:`adoptsim.run_ensemble` and :func:`adoptsim.ensemble.summarise_ensemble`:
the ensemble's own ranges, not a second computation of them). A band takes
about a second for a shipped cluster, so :class:`~.session.Session` computes
it off the play thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..ensemble import run_ensemble, summarise_ensemble
from ..scenario import Scenario

DRAWS = 8  # calibrated variants: enough for a band the room can read, cheap enough to follow the levers
LEVEL = 0.9  # the 5th to the 95th percentile
OUTCOME = "share_adopted"
LEGEND = (f"Shaded band: where adoption could plausibly be, given what we do not know about how firms behave "
          f"({DRAWS} calibrated variants).")
COMPUTING = "Computing the band..."


@dataclass(frozen=True)
class Band:
    """The ``LEVEL`` range of the share of firms that adopted, month 0..months, over ``draws`` posterior draws."""

    lo: np.ndarray
    hi: np.ndarray
    draws: int

    @property
    def months(self) -> int:
        return len(self.lo) - 1


def band_of(frame: pd.DataFrame, level: float = LEVEL) -> Band:
    """The band of an ensemble's runs (``run_ensemble(...).frame``), every month from 0 to the last."""
    summary = summarise_ensemble(frame, level, months=range(int(frame["month"].max()) + 1), outcomes=(OUTCOME,))
    return Band(summary["lo"].to_numpy(float), summary["hi"].to_numpy(float), int(summary["draws"].max()))


def ensemble_band(scenario: Scenario) -> Band:
    """The band of ``scenario``: :data:`DRAWS` draws of the shipped posterior x 1 replicate, in this process."""
    return band_of(run_ensemble(scenario, draws=DRAWS, replicates=1, level=LEVEL).frame)
