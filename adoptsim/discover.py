"""Scenario discovery: where in the space of levers and uncertain parameters does a policy fail?

For one outcome and a threshold (``share_adopted`` below 0.3, say), each run of a
sweep is a *case of interest* or not. PRIM (the Patient Rule Induction Method of
Friedman and Fisher, 1999, used for scenario discovery by Bryant and Lempert,
2010) then peels the input space down to boxes (ranges of a few inputs) that
hold many of the failures (*coverage*: the share of all failures inside the box)
and few of the successes (*density*: the share of runs inside the box that
fail). The algorithm is EMA Workbench's (``ema_workbench.analysis.prim``, the
optional extra ``discover``); this module only prepares the table, chooses a
box on each peeling trajectory and writes the results.

Works on any plain DataFrame of inputs and outcome columns, one row per run
(:func:`discover`), and on a finished sweep folder (:func:`sweep_frame` makes
that table: the last month of every run, one column per varied parameter).
"""

from __future__ import annotations

import difflib
import math
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

EXTRA_MESSAGE = ("scenario discovery needs EMA Workbench, which is not installed "
                 "(pip install 'adoptsim[discover]')")
#: columns of a sweep's results that are bookkeeping, never inputs nor outcomes
BOOKKEEPING = ("variant", "variant_name", "replicate", "seed", "draw", "month", "year")


class DiscoverError(ValueError):
    """A discovery that cannot be made (unknown outcome, no failures, ...); the message says why and what to do."""


def restricted(limit: dict) -> Literal["values", "min", "max", "both"]:
    """Which end of an input a box limit restricts (``Box.limits`` values, as in ``discover.json``): a set of
    ``values``, only the lower end (``min``), only the upper end (``max``), or ``both``."""
    if "values" in limit:
        return "values"
    if limit.get("qp_low") is None and limit.get("qp_high") is not None:
        return "max"
    if limit.get("qp_high") is None and limit.get("qp_low") is not None:
        return "min"
    return "both"


@dataclass
class Box:
    """One PRIM box: the input ranges where the policy fails, and how well they describe the failures."""

    index: int                      # 1 = first box found; later boxes cover failures outside earlier ones
    step: int                       # the chosen step on its peeling trajectory
    coverage: float                 # share of all failures (of the data the box was searched on) inside the box
    density: float                  # share of the runs inside the box that fail
    mass: float                     # share of all runs inside the box
    runs: int                       # runs inside the box
    failures: int                   # failures inside the box
    limits: dict[str, dict] = field(default_factory=dict)  # input -> {min, max} or {values}, plus quasi-p value
    trajectory: pd.DataFrame = field(default_factory=pd.DataFrame)

    def describe(self) -> str:
        """The box in one line: ``a in [0, 0.3] and b in [0.6, 1]: coverage 0.97, density 1.00``."""
        parts = []
        for name, lim in self.limits.items():
            end = restricted(lim)
            if end == "values":
                parts.append(f"{name} in {{{', '.join(map(str, lim['values']))}}}")
            elif end == "max":
                parts.append(f"{name} <= {lim['max']:.4g}")
            elif end == "min":
                parts.append(f"{name} >= {lim['min']:.4g}")
            else:
                parts.append(f"{name} in [{lim['min']:.4g}, {lim['max']:.4g}]")
        where = " and ".join(parts) or "anywhere (no input restricted)"
        return (f"box {self.index}: {where}: coverage {self.coverage:.2f}, density {self.density:.2f}, "
                f"{self.runs} runs ({self.mass:.0%}), {self.failures} failing")


@dataclass
class Discovery:
    """The result of :func:`discover`: the rule that defines a failure, the boxes and the data used."""

    outcome: str
    direction: Literal["below", "above"]
    threshold: float
    inputs: list[str]
    runs: int
    failures: int
    boxes: list[Box]

    @property
    def rule(self) -> str:
        return f"{self.outcome} {'<' if self.direction == 'below' else '>'} {self.threshold:g}"

    def summary(self) -> dict:
        """Everything as plain JSON-able data (written as ``discover.json``)."""
        return {
            "outcome": self.outcome, "direction": self.direction, "threshold": self.threshold,
            "failure_rule": self.rule, "inputs": self.inputs, "runs": self.runs, "failures": self.failures,
            "boxes": [{"box": b.index, "step": b.step, "coverage": b.coverage, "density": b.density,
                       "mass": b.mass, "runs": b.runs, "failures": b.failures, "limits": b.limits,
                       "description": b.describe()} for b in self.boxes],
        }


def _prim():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "ipyparallel not installed" and similar import-time notes
            from ema_workbench.analysis import prim
    except ImportError as err:  # ModuleNotFoundError for ema_workbench, or one of its own dependencies
        raise DiscoverError(f"{EXTRA_MESSAGE} ({err})") from None
    return prim


def _close(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=5, cutoff=0.5)
    return f" (did you mean: {', '.join(close)})" if close else ""


def failure_mask(values: pd.Series, direction: str, threshold: float) -> np.ndarray:
    """True where a run fails: its outcome is strictly below (or above) the threshold."""
    x = values.to_numpy(dtype=float)
    return x < threshold if direction == "below" else x > threshold


def _varying_inputs(frame: pd.DataFrame, outcome: str) -> list[str]:
    """Flat parameter keys among the columns that take more than one value (the default inputs)."""
    from .scenario.space import PARAMETERS

    # a column some runs leave empty (a lever at an unbounded default, e.g. no subsidy cap) is no default input
    return [c for c in frame.columns if c in PARAMETERS and c != outcome and c not in BOOKKEEPING
            and frame[c].nunique(dropna=False) > 1 and not frame[c].isna().any()]


def _prepare_inputs(frame: pd.DataFrame, inputs: list[str]) -> pd.DataFrame:
    """Inputs as PRIM reads them: floats and ints as numbers, booleans as 0/1, anything else as categories."""
    x = pd.DataFrame(index=range(len(frame)))
    for name in inputs:
        col = frame[name].reset_index(drop=True)
        if col.isna().any():
            raise DiscoverError(f"input {name!r}: {int(col.isna().sum())} runs have no value; "
                                "choose inputs every run sets (--inputs)")
        if pd.api.types.is_bool_dtype(col):
            x[name] = col.astype(np.int64)
        elif pd.api.types.is_integer_dtype(col):
            x[name] = col.astype(np.int64)
        elif pd.api.types.is_numeric_dtype(col):
            x[name] = col.astype(np.float64)
        else:
            x[name] = col.astype(str)
    return x


def _limits(box, step: int, inputs: list[str], sdutil) -> dict[str, dict]:
    """The restricted inputs of a box step: {input: {min, max, qp_low, qp_high}} or {values: [...]}."""
    lims = box.box_lims[step]
    restricted = sdutil._determine_restricted_dims(lims, box.box_lims[0])
    qp = box.p_values[step]
    out = {}
    for name in restricted:
        low, high = lims[name].iloc[0], lims[name].iloc[1]
        p = [None if v == -1 else float(v) for v in qp.get(name, [-1, -1])]
        if isinstance(low, (set, frozenset)):
            out[name] = {"values": sorted(map(str, low)), "qp": p[0]}
        else:
            out[name] = {"min": float(low), "max": float(high), "qp_low": p[0], "qp_high": p[1]}
    return {k: out[k] for k in inputs if k in out}


def choose_step(trajectory: pd.DataFrame, min_density: float) -> int:
    """The step that best balances coverage and density among those with density >= ``min_density``.

    Balance is the harmonic mean ``2 c d / (c + d)`` (high only when both are high). If no step is dense enough,
    the densest step. Ties go to the earlier (larger, simpler) box.
    """
    c, d = trajectory["coverage"].to_numpy(float), trajectory["density"].to_numpy(float)
    ok = d >= min_density - 1e-12
    if not ok.any():
        return int(np.argmax(d))
    score = np.where(ok, 2 * c * d / np.maximum(c + d, 1e-300), -1.0)
    return int(np.argmax(score))


def discover(frame: pd.DataFrame, outcome: str, *, below: float | None = None, above: float | None = None,
             inputs: list[str] | None = None, min_density: float = 0.8, max_boxes: int = 3,
             peel_alpha: float = 0.05, paste_alpha: float = 0.05, mass_min: float = 0.05) -> Discovery:
    """PRIM boxes of ``inputs`` where ``outcome`` is below (or above) a threshold; one row of ``frame`` per run.

    ``inputs`` default to every column that is a scenario parameter (flat key) and varies. Boxes are found one
    after another (covering): each next box is searched among the runs outside the earlier ones, and the search
    stops after ``max_boxes`` or at the first box whose chosen step has density below ``min_density`` (kept,
    so that the table shows where the description stops being useful) or when too few failures remain.
    """
    if (below is None) == (above is None):
        raise DiscoverError("give exactly one of --below X or --above X (the outcome value that counts as failing)")
    direction: Literal["below", "above"] = "below" if below is not None else "above"
    threshold = float(below if below is not None else above)
    if not math.isfinite(threshold):
        raise DiscoverError(f"the threshold must be a finite number, got {threshold}")
    if not 0 < min_density <= 1:
        raise DiscoverError(f"--min-density must be in (0, 1], got {min_density}")
    if outcome not in frame.columns:
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and c not in BOOKKEEPING]
        raise DiscoverError(f"--outcome {outcome}: no such column{_close(outcome, numeric)}; outcome columns "
                            f"include {', '.join(numeric[:12])}{', ...' if len(numeric) > 12 else ''}")
    if not pd.api.types.is_numeric_dtype(frame[outcome]):
        raise DiscoverError(f"--outcome {outcome}: not a numeric column")
    if inputs is None:
        inputs = _varying_inputs(frame, outcome)
        if not inputs:
            raise DiscoverError("no input varies across the runs (no lever or uncertain parameter column with "
                                "more than one value); run a sweep over levers or ranges, or name --inputs")
    else:
        missing = [i for i in inputs if i not in frame.columns]
        if missing:
            raise DiscoverError(f"--inputs {missing[0]}: no such column{_close(missing[0], frame.columns)}")
        if outcome in inputs:
            raise DiscoverError(f"--inputs {outcome}: the outcome cannot also be an input")
    y = failure_mask(frame[outcome], direction, threshold)
    n_fail = int(y.sum())
    rule = f"{outcome} {'<' if direction == 'below' else '>'} {threshold:g}"
    if n_fail == 0 or n_fail == len(y):
        lo, hi = float(frame[outcome].min()), float(frame[outcome].max())
        which = "no run fails" if n_fail == 0 else "every run fails"
        raise DiscoverError(f"{which} by the rule {rule} (the {len(y)} runs range from {lo:.4g} to {hi:.4g}); "
                            "choose a threshold inside that range")
    x = _prepare_inputs(frame, inputs)
    prim = _prim()
    from ema_workbench.analysis import scenario_discovery_util as sdutil

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = prim.Prim(x, y.copy(), peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min)
        boxes = []
        outside = np.ones(len(y), bool)  # runs not inside any box found so far
        for k in range(1, max_boxes + 1):
            if int(y[outside].sum()) < max(5, 0.05 * n_fail) or outside.sum() < 2 * max(1, round(mass_min * len(y))):
                break
            found = engine.find_box()
            if found is None:
                break
            traj = found.peeling_trajectory.reset_index(drop=True)
            step = choose_step(traj, min_density)
            found.select(step)
            outside[found.yi] = False
            row = traj.loc[step]
            boxes.append(Box(index=k, step=step, coverage=float(row["coverage"]), density=float(row["density"]),
                             mass=float(row["mass"]), runs=int(row["n"]), failures=int(row["k"]),
                             limits=_limits(found, step, inputs, sdutil),
                             trajectory=traj[["coverage", "density", "mass", "res_dim", "n", "k"]].copy()))
            if row["density"] < min_density:
                break
    if not boxes:
        raise DiscoverError(f"PRIM found no box for {rule}: {n_fail} of {len(y)} runs fail (a box needs at least "
                            f"{max(5, round(0.05 * n_fail))} failing runs and {round(mass_min * len(y))} runs); "
                            "choose a threshold that more runs fail, or a larger sweep")
    return Discovery(outcome, direction, threshold, list(inputs), len(y), n_fail, boxes)


def sweep_frame(out_dir: str | Path, month: int | None = None) -> pd.DataFrame:
    """One row per run of a finished sweep at ``month`` (default: the last), with one column per varied parameter.

    Parameters varied by the sweep are taken from columns the results already hold (a tidy results table) and,
    failing that, from each variant's overrides in the manifest.
    """
    from .sweep import SweepError
    from .sweep.store import load_results

    try:
        frame, manifest = load_results(out_dir)
    except SweepError as err:
        raise DiscoverError(str(err)) from None
    last = int(frame["month"].max())
    at = last if month is None else int(month)
    if not 0 <= at <= last:
        raise DiscoverError(f"--month {at}: the sweep in {out_dir} has months 0 to {last}")
    runs = frame[frame["month"] == at].reset_index(drop=True)
    overrides = {v["id"]: v.get("overrides", {}) for v in manifest.get("sweep", {}).get("variants", [])}
    keys = list(dict.fromkeys(k for o in overrides.values() for k in o))
    base = manifest.get("sweep", {}).get("base", {})
    from .scenario.space import PARAMETERS

    for key, parameter in PARAMETERS.items():  # tidy results name parameters by dotted key: take them by flat key
        if parameter.dotted in runs.columns and key not in runs.columns:
            runs[key] = runs[parameter.dotted]
    for key in keys:
        if key in runs.columns:
            continue
        default = None
        if key in PARAMETERS:  # the base scenario's value, for variants that leave this key alone
            default = base
            for part in PARAMETERS[key].path:
                default = default.get(part) if isinstance(default, dict) else None
        runs[key] = [overrides.get(v, {}).get(key, default) for v in runs["variant"]]
        if runs[key].isna().any():
            raise DiscoverError(f"{out_dir}: parameter {key} has no value for some variants (not in the base "
                                "scenario either); name the inputs with --inputs")
        runs[key] = pd.Series(runs[key].tolist()).infer_objects()
    return runs


def _trajectory_figure(d: Discovery):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    markers = "osD^v"
    vmax = max([int(b.trajectory["res_dim"].max()) for b in d.boxes] + [1])
    sc = None
    for b in d.boxes:
        t = b.trajectory
        sc = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", vmin=0, vmax=vmax, s=18,
                        marker=markers[(b.index - 1) % len(markers)], label=f"box {b.index} trajectory")
        ax.scatter([b.coverage], [b.density], s=140, facecolors="none", edgecolors="red", linewidths=1.5)
        ax.annotate(f"box {b.index}", (b.coverage, b.density), xytext=(-40 if b.coverage > 0.85 else 8, -14), textcoords="offset points",
                    color="red", fontsize=9)
    if sc is not None:
        from matplotlib.ticker import MaxNLocator

        bar = fig.colorbar(sc, ax=ax, label="inputs restricted")
        bar.locator = MaxNLocator(integer=True)
        bar.update_ticks()
    ax.set_xlabel("coverage (share of all failures inside the box)")
    ax.set_ylabel("density (share of the box's runs that fail)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.set_title(f"PRIM peeling trajectory: failing when {d.rule}", fontsize=10)
    if len(d.boxes) > 1:
        ax.legend(fontsize=8, frameon=False, loc="lower left")
    fig.tight_layout()
    return fig


def _box_figure(d: Discovery, frame: pd.DataFrame, box: Box):
    """Each restricted input's range in the box (bar) against its range over all runs (0-1 scale)."""
    from matplotlib.figure import Figure

    names = list(box.limits) or ["(none)"]
    fig = Figure(figsize=(6.4, 0.7 * len(names) + 1.4))
    ax = fig.add_subplot()
    for i, name in enumerate(names):
        lim = box.limits.get(name)
        ax.plot([0, 1], [i, i], color="lightgrey", lw=6, solid_capstyle="butt")
        if lim is None:
            continue
        if "values" in lim:
            ax.text(0.5, i - 0.22, "{" + ", ".join(lim["values"]) + "}", ha="center", va="center", fontsize=8)
            continue
        col = pd.to_numeric(frame[name])
        lo, hi = float(col.min()), float(col.max())
        span = (hi - lo) or 1.0
        a, b = (lim["min"] - lo) / span, (lim["max"] - lo) / span
        ax.plot([a, b], [i, i], color="tab:red", lw=6, solid_capstyle="butt")
        ax.text(a, i - 0.22, f"{lim['min']:.3g}", ha="center", fontsize=8)
        ax.text(b, i - 0.22, f"{lim['max']:.3g}", ha="center", fontsize=8)
        ax.text(1.02, i, f"of {lo:.3g}–{hi:.3g}", va="center", fontsize=8, color="grey")
    ax.set_yticks(range(len(names)), names, fontsize=9)
    ax.set_xlim(-0.02, 1.3)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xticks([])
    ax.invert_yaxis()
    ax.set_title(f"box {box.index}: where {d.rule} (red: the box; grey: all runs)\n"
                 f"coverage {box.coverage:.2f}, density {box.density:.2f}, {box.runs} runs", fontsize=9)
    for s in ("top", "right", "bottom"):
        ax.spines[s].set_visible(False)
    fig.tight_layout()
    return fig


def default_folder(out_dir: str | Path, d_or_rule: tuple[str, str, float]) -> Path:
    """``SWEEP_DIR/discover/<outcome>-<below|above>-<threshold>``."""
    from .paths import safe_name

    outcome, direction, threshold = d_or_rule
    return Path(out_dir) / "discover" / safe_name(f"{outcome}-{direction}-{threshold:g}")


def write_discovery(d: Discovery, frame: pd.DataFrame, out: str | Path, *, figures: bool = True) -> list[Path]:
    """Write ``boxes.csv``, ``trajectory.csv``, ``discover.json`` and figures into ``out``, all or nothing.

    Everything is written into a temporary sibling folder first, then moved in, so an interrupted or failed
    write leaves no half-written results.
    """
    from .outcomes import write_json

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(20, "is a file, not a folder", str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        rows = [{"box": b.index, "input": name, "min": lim.get("min"), "max": lim.get("max"),
                 "values": "|".join(lim["values"]) if "values" in lim else "",
                 "qp_low": lim.get("qp_low", lim.get("qp")), "qp_high": lim.get("qp_high"),
                 "coverage": b.coverage, "density": b.density, "mass": b.mass, "runs": b.runs,
                 "failures": b.failures}
                for b in d.boxes for name, lim in (b.limits.items() or [("", {})])]
        pd.DataFrame(rows).to_csv(tmp / "boxes.csv", index=False)
        traj = pd.concat([b.trajectory.assign(box=b.index, step=range(len(b.trajectory)),
                                              chosen=[i == b.step for i in range(len(b.trajectory))])
                          for b in d.boxes], ignore_index=True)
        traj[["box", "step", "chosen", "coverage", "density", "mass", "res_dim", "n", "k"]].rename(
            columns={"n": "runs", "k": "failures", "res_dim": "inputs_restricted"}).to_csv(
            tmp / "trajectory.csv", index=False)
        write_json(d.summary(), tmp / "discover.json")
        if figures:
            _trajectory_figure(d).savefig(tmp / "trajectory.png", dpi=120)
            for b in d.boxes:
                _box_figure(d, frame, b).savefig(tmp / f"box{b.index}.png", dpi=120)
        names = sorted(p.name for p in tmp.iterdir())
        if out.exists():
            for stale in ("trajectory.png", *(f"box{i}.png" for i in range(1, 100))):
                if stale not in names:
                    (out / stale).unlink(missing_ok=True)
            for name in names:
                os.replace(tmp / name, out / name)
        else:
            os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out / n for n in names]


def format_discovery(d: Discovery) -> str:
    """A few lines for the terminal: the failure rule, then each box."""
    lines = [f"{d.failures} of {d.runs} runs fail ({d.rule}); inputs: {', '.join(d.inputs)}"]
    lines += [f"  {b.describe()}" for b in d.boxes]
    if d.boxes and d.boxes[-1].density < 0.5:
        lines.append("  (the last box is no better than a coin toss: the remaining failures have no simple box)")
    return "\n".join(lines)
