"""Simulation-based calibration (SBC) at small scale: do the 90 % intervals cover the truth?

Truths are drawn from the prior, data are simulated at each truth with the
calibration's own simulator (its statistics, replicates and selection), and the
parameters are inferred back; a calibrated method puts each truth inside its
90 % interval 90 % of the time. Running ABC-SMC once per truth is too slow for
a check, so inference here is rejection ABC on one shared reference table
(Beaumont et al. 2002): ``n`` prior draws are simulated once; for each truth
(a row of the table, left out) the posterior sample is the ``k`` rows whose
statistics are nearest in the config's own distance (half-width weights,
p-norm), and the interval its weighted 5 % and 95 % quantiles. The same table
gives a multi-parameter recovery on the real cluster scenarios: every truth
moves all fitted parameters at once.

    python -m adoptsim.calibrate.coverage calibration/lahore-moradabad.toml --draws 400 --truths 100 --workers 2

A shrunk interval must fail the check (:func:`coverage_ok`); the tests show it.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .problem import Problem

LEVEL = 0.9


@dataclass
class ReferenceTable:
    """Prior draws (natural scale, one column per parameter) and their simulated statistics."""

    theta: pd.DataFrame
    stats: np.ndarray          # draws x fitted targets, in the order of ``ids``
    ids: list[str]
    weights: np.ndarray        # 1 / half-width of each target (the config's distance)
    p: float


_SIM = None  # the simulator in a forked worker


def _simulate(args: tuple[int, dict]) -> dict:
    salt, params = args
    return _SIM.simulate(params, salt=salt)


def reference_table(problem: Problem, draws: int, seed: int, workers: int = 1) -> ReferenceTable:
    """Simulate ``draws`` parameter sets from the prior (reproducible: seeded draws, seeded simulations)."""
    global _SIM
    rng = np.random.default_rng(seed)
    theta = pd.DataFrame({n: spec.scipy().rvs(size=draws, random_state=rng) for n, spec in problem.parameters.items()})
    _SIM = problem.simulator(problem.fit)
    tasks = [(i, {k: float(v) for k, v in row.items()}) for i, row in theta.iterrows()]
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            out = list(pool.map(_simulate, tasks, chunksize=4))
    else:
        out = [_simulate(t) for t in tasks]
    ids = [t.id for t in problem.fit]
    stats = np.array([[o[i] for i in ids] for o in out], float)
    weights = np.array([1.0 / t.half_width for t in problem.fit])
    return ReferenceTable(theta, stats, ids, weights, float(problem.config.config.abc.p))


def distances(table: ReferenceTable, observed: np.ndarray) -> np.ndarray:
    """The config's distance (half-width weights, p-norm) of every table row to ``observed``."""
    d = np.abs(table.stats - observed[None, :]) * table.weights[None, :]
    d = np.where(np.isnan(d), np.inf, d)
    return d.max(axis=1) if math.isinf(table.p) else (d ** table.p).sum(axis=1) ** (1.0 / table.p)


def coverage(table: ReferenceTable, truths: int, k: int, level: float = LEVEL) -> pd.DataFrame:
    """Leave-one-out SBC over the first ``truths`` rows: one row per (truth, parameter).

    Columns: truth index, parameter, true value, interval low/high (central ``level``
    interval of the ``k`` nearest other rows), inside, interval width relative to the
    prior's (the table's own central ``level`` range).
    """
    q = ((1 - level) / 2, (1 + level) / 2)
    rows = []
    prior_width = {n: float(np.subtract(*np.quantile(table.theta[n], q[::-1]))) for n in table.theta}
    for i in range(truths):
        d = distances(table, table.stats[i])
        d[i] = np.inf  # leave the truth out
        near = np.argsort(d, kind="stable")[:k]
        for n in table.theta:
            lo, hi = np.quantile(table.theta[n].to_numpy()[near], q)
            x = float(table.theta[n].iloc[i])
            rows.append({"truth": i, "parameter": n, "value": x, "low": float(lo), "high": float(hi),
                         "inside": bool(lo <= x <= hi), "width_ratio": float(hi - lo) / prior_width[n]})
    return pd.DataFrame(rows)


def binomial_band(n: int, level: float = LEVEL, z: float = 3.0) -> tuple[float, float]:
    """Coverage a calibrated method shows over ``n`` independent truths: ``level +/- z`` binomial sd."""
    sd = math.sqrt(level * (1 - level) / n)
    return level - z * sd, level + z * sd


def coverage_ok(cov: pd.DataFrame, level: float = LEVEL, z: float = 3.0) -> dict[str, bool]:
    """Per parameter: is the share of truths inside within the binomial band around ``level``?"""
    out = {}
    for name, g in cov.groupby("parameter", sort=False):
        lo, hi = binomial_band(len(g), level, z)
        out[name] = bool(lo <= g["inside"].mean() <= hi)
    return out


def main(argv: list[str] | None = None) -> int:
    from .config import load_config
    from .problem import build_problem

    ap = argparse.ArgumentParser(prog="python -m adoptsim.calibrate.coverage", description=__doc__.split("\n")[0])
    ap.add_argument("config")
    ap.add_argument("--draws", type=int, default=400, help="prior draws in the reference table")
    ap.add_argument("--truths", type=int, default=100, help="truths (table rows left out in turn)")
    ap.add_argument("--k", type=int, default=0, help="nearest rows per posterior (default: 5 %% of the draws)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="CSV of every (truth, parameter)")
    args = ap.parse_args(argv)
    problem = build_problem(load_config(args.config))
    table = reference_table(problem, args.draws, args.seed, args.workers)
    k = args.k or max(10, args.draws // 20)
    cov = coverage(table, min(args.truths, args.draws), k)
    if args.out:
        cov.to_csv(args.out, index=False)
    ok = coverage_ok(cov)
    summary = cov.groupby("parameter", sort=False).agg(coverage=("inside", "mean"), width_ratio=("width_ratio", "median"))
    lo, hi = binomial_band(min(args.truths, args.draws))
    print(f"{args.draws} prior draws, {min(args.truths, args.draws)} truths, k = {k}; band {lo:.2f}-{hi:.2f}")
    for name, r in summary.iterrows():
        print(f"  {name:<16s} coverage {r['coverage']:.2f}  median width ratio {r['width_ratio']:.2f}  "
              f"{'ok' if ok[name] else 'OUTSIDE the band'}")
    print(f"  all parameters: coverage {cov['inside'].mean():.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
