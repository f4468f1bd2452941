"""Pattern filter: keep the posterior particles that also reproduce the patterns of docs/PATTERNS.md §1.

Two numeric targets cannot pin six behavioural parameters: much of the ABC
posterior is a ridge along which the targets are met while the model's
qualitative behaviour (S-shaped uptake, finance helping small firms, relaxed
expansion rules restoring upgrades, ...) is lost. Pattern-oriented modelling
(Grimm et al. 2005, *Science* 310: 987) uses such patterns as further filters
on parameter sets. Here a fixed number of distinct particles, drawn by
posterior weight, is run through the nine checks of ``adoptsim validate``;
those that reproduce all selected patterns form the *pattern-consistent*
posterior. The published defaults are the candidate closest to the fitted
targets: the consistent particles and, if it reproduces every pattern too,
their weighted-median point, each simulated ``FIT_DRAWS`` times and scored by
the config's distance (half-widths, p-norm) averaged over the simulations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import CalibrationError
from .problem import Problem

FIT_DRAWS = 10  # replicate simulations per candidate when choosing the published point


@dataclass
class PatternFilter:
    """Outcome of :func:`pattern_filter`."""

    screened: pd.DataFrame        # one row per screened particle: parameters, weight, passed, failed, consistent
    consistent: pd.DataFrame      # consistent particles: parameters, weight (renormalised), target_distance
    point: dict[str, float]       # the published parameter set
    point_rule: str               # how it was chosen
    patterns: list[int]
    predictive: pd.DataFrame | None = None  # the point's predictive check (set by the runner)

    @property
    def share(self) -> float:
        return float(self.screened["consistent"].mean())

    def describe(self) -> str:
        n, k = len(self.screened), int(self.screened["consistent"].sum())
        return (f"{k} of {n} posterior particles (drawn by weight, distinct) reproduce all patterns "
                f"{', '.join(map(str, self.patterns))}; published: {self.point_rule}")


def target_distance(problem: Problem, params: dict[str, float], draws: int = FIT_DRAWS, salt: int = 7 * 10**6
                    ) -> float:
    """Mean over ``draws`` simulations of the distance to the fitted targets (the config's p-norm, in half-widths)."""
    sim = problem.simulator(problem.fit)
    p = problem.config.config.abc.p
    out = []
    for k in range(draws):
        got = sim.simulate(params, salt=salt + k)
        miss = np.array([abs(got[t.id] - t.centre) / t.half_width for t in problem.fit])
        out.append(float(np.max(miss) if np.isinf(p) else np.sum(miss**p) ** (1 / p)))
    return float(np.mean(out))


def pattern_filter(problem: Problem, post: pd.DataFrame, draws: int, seed: int, workers: int = 1,
                   patterns: list[int] | None = None) -> PatternFilter:
    """Screen ``draws`` distinct weighted posterior particles against the patterns of ``adoptsim validate``.

    Raises CalibrationError when no screened particle reproduces every pattern (the
    calibration then has nothing consistent to publish).
    """
    from .. import validate
    from .report import weighted_quantile

    names = list(problem.names)
    weights = post["weight"].to_numpy(float)
    weights = weights / weights.sum()
    n = min(draws, int(np.count_nonzero(weights)))
    rows = np.random.default_rng(seed).choice(len(post), size=n, replace=False, p=weights)
    sets = [{k: float(post.iloc[int(r)][k]) for k in names} for r in rows]
    numbers = sorted(validate.PATTERNS) if patterns is None else sorted(set(patterns))
    results = validate.run_patterns(sets, numbers, workers=workers)
    screened = []
    for i, (r, params) in enumerate(zip(rows, sets)):
        mine = [res for res in results if res.draw == i]
        failed = [res.number for res in mine if not res.reproduced]
        screened.append({**params, "weight": float(weights[r]), "passed": len(mine) - len(failed),
                         "failed": " ".join(map(str, failed)), "consistent": not failed})
    screened = pd.DataFrame(screened)
    good = screened[screened["consistent"]]
    if good.empty:
        worst = screened["failed"].str.split().explode().value_counts()
        raise CalibrationError(
            f"none of {n} posterior particles reproduces every pattern {numbers} (most often failed: "
            f"{', '.join(f'{p} ({c}x)' for p, c in worst.head(3).items())}): the fitted targets and the patterns "
            "disagree; widen the priors, revisit the targets, or publish without the filter ([patterns] draws = 0)")
    consistent = good[names + ["weight"]].copy()
    consistent["weight"] /= consistent["weight"].sum()
    median = {k: float(weighted_quantile(consistent[k], consistent["weight"], 0.5)) for k in names}
    candidates = [({k: float(r[k]) for k in names}, f"row {i + 1} of posterior_patterns.csv")
                  for i, (_, r) in enumerate(consistent.iterrows())]
    check = validate.run_patterns([median], numbers, workers=workers)
    median_ok = all(res.reproduced for res in check)
    if median_ok:
        candidates.append((median, "their weighted medians"))
    scores = [target_distance(problem, c) for c, _ in candidates]
    scores = [x if np.isfinite(x) else np.inf for x in scores]
    best = int(np.argmin(scores))
    point, label = candidates[best]
    rule = (f"{label}, the candidate closest to the fitted targets (mean distance {scores[best]:.2f} half-widths over "
            f"{FIT_DRAWS} simulations; candidates: the {len(consistent)} consistent particles"
            + (" and their weighted medians, which reproduce the patterns too)" if median_ok else
               f"; their weighted medians fail pattern(s) {', '.join(str(r.number) for r in check if not r.reproduced)})"))
    consistent["target_distance"] = scores[:len(consistent)]
    return PatternFilter(screened, consistent.reset_index(drop=True), point, rule, numbers)
