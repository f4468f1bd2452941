"""Small optimise and discover folders for the report tests, written by hand (no optimisation or PRIM run)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def tiny_png(path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1], [0, 1])
    fig.savefig(path, dpi=20)
    return path


def optimise_folder(path: Path, *, figure: bool = True) -> Path:
    """Three mixes on a front of adoption against public money, Moradabad's levers (INR)."""
    path.mkdir(parents=True)
    front = pd.DataFrame({"capex_subsidy_share": [0.0, 0.3, 0.5], "demonstration_pilots": [10, 20, 30],
                          "share_adopted": [0.12, 0.25, 0.31], "public_cost": [1.0e6, 6.0e7, 1.9e8],
                          "within_budget": [True, True, True]})
    front.to_csv(path / "pareto.csv", index=False)
    (path / "summary.json").write_text(json.dumps({
        "problem": "toy-front", "budget": 2.0e8, "cluster": "moradabad",
        "objectives": {"share_adopted": "max", "public_cost": "min"},
        "levers": {"capex_subsidy_share": {"low": 0, "high": 0.5, "step": 0.05},
                   "demonstration_pilots": {"low": 0, "high": 30, "step": 1}},
        "front": front.drop(columns="within_budget").to_dict(orient="records")}))
    if figure:
        tiny_png(path / "pareto.png")
    return path


BOX = {"box": 1, "step": 7, "coverage": 0.67, "density": 1.0, "mass": 0.2, "runs": 40, "failures": 40,
       "limits": {"q_imitation": {"min": 0.49, "max": 0.6, "qp_low": 0.001, "qp_high": None},
                  "attention": {"min": 0.05, "max": 0.18, "qp_low": None, "qp_high": 0.01}}}


def discover_folder(path: Path) -> Path:
    """One PRIM box of adoption below 30 %: high imitation and low attention."""
    path.mkdir(parents=True)
    (path / "discover.json").write_text(json.dumps({
        "outcome": "share_adopted", "direction": "below", "threshold": 0.3, "failure_rule": "share_adopted < 0.3",
        "inputs": ["q_imitation", "attention"], "runs": 200, "failures": 60, "boxes": [BOX]}))
    rows = [{"box": 1, "input": k, "min": v["min"], "max": v["max"], "values": "", "qp_low": v["qp_low"],
             "qp_high": v["qp_high"], "coverage": BOX["coverage"], "density": BOX["density"], "mass": BOX["mass"],
             "runs": BOX["runs"], "failures": BOX["failures"]} for k, v in BOX["limits"].items()]
    pd.DataFrame(rows).to_csv(path / "boxes.csv", index=False)
    tiny_png(path / "box1.png")
    return path
