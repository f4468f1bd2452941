"""Writing an optimisation's results: the Pareto front (CSV + figure), every evaluation, the summary.

Files are built in a temporary folder beside the results and moved in at the end, so a failed write leaves
the previous results (never a half-written set); the evaluations store is kept as it is.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from ..outcomes import write_json
from .problem import DERIVED, Problem


def axis_label(name: str, sense: str | None = None) -> str:
    """A plain label of an objective, e.g. ``Share of firms that adopted something (max)``."""
    from ..outcome_table import label

    try:
        text = label(name)
    except KeyError:
        text = DERIVED.get(name, name).split(" (")[0]
        text = text[0].upper() + text[1:]
    return f"{text} ({sense})" if sense else text


def front_figure(problem: Problem, evaluations: pd.DataFrame, front: pd.DataFrame):
    """Every evaluated mix (grey; out of budget hollow) and the front (black), for each pair of objectives;
    with a single objective, against the public money spent."""
    from matplotlib.figure import Figure

    names = list(problem.objectives)
    if len(names) == 1:
        names.append("public_cost")
    pairs = list(itertools.combinations(names, 2))
    cols = min(3, len(pairs))
    rows = (len(pairs) + cols - 1) // cols
    fig = Figure(figsize=(4.6 * cols, 4.0 * rows))
    ok = evaluations[evaluations["within_budget"]]
    over = evaluations[~evaluations["within_budget"]]
    for n, (a, b) in enumerate(pairs):
        ax = fig.add_subplot(rows, cols, n + 1)
        ax.scatter(ok[a], ok[b], s=12, color="lightgrey", label="within budget")
        if len(over):
            ax.scatter(over[a], over[b], s=12, facecolors="none", edgecolors="lightgrey", label="over budget")
        f = front.sort_values(a)
        ax.plot(f[a], f[b], "o-" if len(problem.objectives) == 2 else "o", color="black", ms=4, lw=1,
                label="Pareto front")
        ax.set_xlabel(axis_label(a, problem.objectives.get(a)), fontsize=8)
        ax.set_ylabel(axis_label(b, problem.objectives.get(b)), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        if n == 0:
            ax.legend(fontsize=7, frameon=False)
    fig.suptitle(f"{problem.name}: {len(front)} mixes on the front of {len(evaluations)} evaluated "
                 f"(budget {problem.budget:,.0f})", fontsize=10)
    fig.tight_layout()
    return fig


def write_outputs(problem: Problem, result, out: Path, *, figures: bool = True) -> list[Path]:
    """``pareto.csv``, ``evaluations.csv``, ``summary.json``, ``pareto.png`` and, with --robust, ``robust.csv``."""
    out = Path(out)
    tmp = Path(tempfile.mkdtemp(prefix=".results.", suffix=".partial", dir=out))
    try:
        result.front.to_csv(tmp / "pareto.csv", index=False)
        result.evaluations.to_csv(tmp / "evaluations.csv", index=False)
        if result.robust is not None:
            result.robust.to_csv(tmp / "robust.csv", index=False)
        levers = [lv.key for lv in problem.levers]
        write_json({
            "problem": problem.name, "definition_hash": problem.digest(), "budget": problem.budget,
            "cluster": problem.base.cluster,  # for lever names and money in words (adoptsim report)
            "objectives": problem.objectives,
            "levers": {lv.key: {"low": lv.low, "high": lv.high, "step": lv.step} for lv in problem.levers},
            "replicates": problem.replicates, "population": problem.population,
            "generations": problem.generations, "mixes_evaluated": int(len(result.evaluations)),
            "new_evaluations": result.new_evaluations, "new_robust_evaluations": result.new_robust,
            "model_runs": result.runs,
            "seconds": round(result.seconds, 1),
            "front": result.front[levers + list(dict.fromkeys([*problem.objectives, "public_cost"]))]
            .to_dict(orient="records"),
            "robust": None if result.robust is None else result.robust.to_dict(orient="records"),
        }, tmp / "summary.json")
        if figures:
            front_figure(problem, result.evaluations, result.front).savefig(tmp / "pareto.png", dpi=110)
        names = sorted(p.name for p in tmp.iterdir())
        for name in names:
            os.replace(tmp / name, out / name)
        if result.robust is None:
            (out / "robust.csv").unlink(missing_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out / n for n in names]


def format_front(problem: Problem, front: pd.DataFrame, limit: int = 12) -> str:
    """The front as a short table for the terminal (at most ``limit`` rows, evenly spread)."""
    if front.empty:
        return "no mix stays within the budget: raise the budget or lower the levers' upper bounds"
    cols = [lv.key for lv in problem.levers] + list(dict.fromkeys([*problem.objectives, "public_cost"]))
    shown = front if len(front) <= limit else front.iloc[[round(i * (len(front) - 1) / (limit - 1))
                                                           for i in range(limit)]]
    return shown[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}")
