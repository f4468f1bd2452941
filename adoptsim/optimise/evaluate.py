"""Evaluating one candidate: run its scenario once per replicate seed and read the outcomes at the last month.

:func:`evaluate_task` runs in worker processes: it takes plain data (the scenario as a dict, the seeds) and
depends on nothing else, so a candidate's numbers are the same whichever worker runs it.
"""

from __future__ import annotations

import math

from ..scenario import Scenario


def outcomes_at_end(frame) -> dict[str, float]:
    """Every numeric outcome column at the last month, plus the derived objectives of
    :data:`adoptsim.optimise.problem.DERIVED`."""
    last = frame.iloc[-1]
    out = {k: float(v) for k, v in last.items() if isinstance(v, (int, float)) or hasattr(v, "dtype")}
    firms = max(out["firms"], 1.0)
    out["public_cost"] = out["public_cost_cumulative"]
    out["private_investment"] = out["private_investment_cumulative"]
    out["share_compliant"] = out["firms_compliant"] / firms
    out["share_exited"] = (out["firms_closed"] + out["firms_relocated_out"]) / firms
    return {k: v for k, v in out.items() if math.isfinite(v)}


def evaluate_task(task: dict) -> list[dict[str, float]]:
    """Run ``task`` = {scenario: dict, seeds: [int]}: the outcomes at the last month of each replicate."""
    from ..run import run

    base = Scenario.model_validate(task["scenario"])
    return [outcomes_at_end(run(base.model_copy(update={"seed": seed})).frame) for seed in task["seeds"]]
