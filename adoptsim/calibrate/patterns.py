"""Pattern filter: keep the posterior particles that also reproduce MODEL.md's patterns.

Two numeric targets cannot pin six behavioural parameters: much of the ABC
posterior is a ridge along which the targets are met while the model's
qualitative behaviour (S-shaped uptake, finance helping small firms, relaxed
expansion rules restoring upgrades, ...) is lost. Pattern-oriented modelling
(Grimm et al. 2005, *Science* 310: 987) uses such patterns as further filters
on parameter sets. Here a fixed number of distinct particles, drawn by
posterior weight, is run through the nine checks of ``adoptsim validate``;
those that reproduce all selected patterns form the *pattern-consistent*
posterior. The published defaults are its weighted medians, if that point
itself reproduces every pattern, else the consistent particle nearest to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import CalibrationError
from .problem import Problem


@dataclass
class PatternFilter:
    """Outcome of :func:`pattern_filter`."""

    screened: pd.DataFrame        # one row per screened particle: parameters, weight, passed, failed, consistent
    consistent: pd.DataFrame      # consistent particles: parameters + weight (renormalised)
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


def _scaled(problem: Problem, frame: pd.DataFrame) -> np.ndarray:
    """Parameters on the prior's scale (log for log priors), divided by the prior's 90 % width."""
    cols = []
    for name in problem.names:
        prior = problem.parameters[name]
        q05, q95 = prior.scipy().ppf([0.05, 0.95])
        x = frame[name].to_numpy(float)
        if prior.log_scale:
            x, q05, q95 = np.log(x), np.log(q05), np.log(q95)
        cols.append(x / (q95 - q05))
    return np.column_stack(cols)


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
    check = validate.run_patterns([median], numbers, workers=workers)
    if all(res.reproduced for res in check):
        point, rule = median, "the weighted medians of the consistent particles (that point reproduces them too)"
    else:
        centre = _scaled(problem, pd.DataFrame([median]))
        distance = np.linalg.norm(_scaled(problem, consistent) - centre, axis=1)
        best = consistent.iloc[int(np.argmin(distance))]
        point = {k: float(best[k]) for k in names}
        failed = ", ".join(str(res.number) for res in check if not res.reproduced)
        rule = (f"the consistent particle nearest to their weighted medians (the medians themselves fail "
                f"pattern(s) {failed})")
    return PatternFilter(screened, consistent.reset_index(drop=True), point, rule, numbers)
