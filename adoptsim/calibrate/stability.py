"""Stability of a published calibration: do two runs publish defaults that predict the same?

Each calibrated parameter file (``calibrated.toml`` written by two runs of the
same config with different seeds) is applied to the shipped baselines, which
are simulated over the same seeds (common random numbers), and the share
adopted after ten years is compared::

    python -m adoptsim.calibrate.stability runA/calibrated.toml runB/calibrated.toml --seeds 5

The runs agree when every baseline's mean differs by at most ``--tolerance``
(share points; default 0.05, about the run-to-run spread of a 300-firm cluster).
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import numpy as np

BASELINES = ("moradabad-baseline", "lahore-baseline")
MONTH = 120
TOLERANCE = 0.05


def point_of(path: str | Path) -> dict[str, float]:
    """The ``[behaviour]`` values of a calibrated parameter file."""
    with open(path, "rb") as fh:
        return {k: float(v) for k, v in tomllib.load(fh)["behaviour"].items()}


def ten_year_adoption(point: dict[str, float], baseline: str, seeds: list[int], month: int = MONTH) -> np.ndarray:
    """Share adopted at ``month`` in the shipped ``baseline`` under ``point``, one value per seed."""
    from ..scenario import load_scenario
    from ..sweep.work import run_replicate

    base = load_scenario(Path(__file__).resolve().parents[1] / "experiments" / f"{baseline}.toml")
    base = base.model_copy(update={"behaviour": base.behaviour.model_copy(update=point)})
    return np.array([float(run_replicate(base.model_copy(update={"seed": s}))["share_adopted"][month])
                     for s in seeds])


def compare(files: list[str | Path], seeds: list[int], tolerance: float = TOLERANCE) -> tuple[list[dict], bool]:
    """One row per (baseline, file): mean and sd over ``seeds``; and whether all files agree within ``tolerance``."""
    rows, ok = [], True
    for baseline in BASELINES:
        means = []
        for f in files:
            x = ten_year_adoption(point_of(f), baseline, seeds)
            means.append(float(x.mean()))
            rows.append({"baseline": baseline, "file": str(f), "mean": float(x.mean()), "sd": float(x.std(ddof=1))
                         if len(x) > 1 else 0.0})
        ok &= max(means) - min(means) <= tolerance
    return rows, ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m adoptsim.calibrate.stability", description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+", help="calibrated.toml files of runs of the same config")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--tolerance", type=float, default=TOLERANCE)
    args = ap.parse_args(argv)
    seeds = [20170301 + s for s in range(args.seeds)]
    rows, ok = compare(args.files, seeds, args.tolerance)
    for r in rows:
        print(f"{r['baseline']:<20s} {r['file']}: {100 * r['mean']:.1f} % adopted at month {MONTH} "
              f"(sd over {args.seeds} seeds {100 * r['sd']:.1f})")
    print(f"agree within {100 * args.tolerance:.0f} points: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
