"""A toy evaluator for tests/test_optimise.py, in its own light module so that worker processes import little."""

from __future__ import annotations

import numpy as np


def zdt1(task: dict) -> list[dict]:
    """ZDT1 (Zitzler, Deb and Thiele 2000) on three [0, 1] levers, no model; public cost = 10 x the first lever.

    Its Pareto front is f2 = 1 - sqrt(f1), f1 in [0, 1], reached when the other levers are 0.
    """
    lv = task["scenario"]["levers"]
    x = np.array([lv["capex_subsidy"]["share"], lv["tariff_rebate"]["share"], lv["green_finance"]["guarantee"]])
    g = 1 + 9 * x[1:].mean()
    f1, f2 = x[0], g * (1 - np.sqrt(x[0] / g))
    return [{"share_adopted": float(f1), "water_saved_m3_per_year": float(f2), "public_cost": float(10 * x[0])}
            for _ in task["seeds"]]
