"""Simulation-based calibration at small scale (adoptsim.calibrate.coverage).

A tiny homogeneous cluster (150 firms, 24 months, adoption share at months 6, 12
and 24) and two parameters: truths drawn from the prior must fall inside their
90 % intervals 90 % of the time, within a binomial band of +/- 3 sd; intervals
shrunk to nominal 40 % must fail the same check. A multi-parameter recovery on
the real Lahore and Moradabad scenarios is reported by
``python -m adoptsim.calibrate.coverage calibration/lahore-moradabad.toml``
(calibration/README.md); here a small version of it checks its plumbing.
"""

from __future__ import annotations

import numpy as np
import pytest

from adoptsim.calibrate.config import load_config
from adoptsim.calibrate.coverage import binomial_band, coverage, coverage_ok, distances, reference_table
from adoptsim.calibrate.problem import build_problem
from test_calibration import USER_EXAMPLE, _homogeneous_config

DRAWS, TRUTHS, K = 1000, 120, 30


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sbc")
    cfg = load_config(_homogeneous_config(tmp, n_firms=150))
    problem = build_problem(cfg, data=USER_EXAMPLE)  # statistics: share adopted at months 6, 12, 24
    return reference_table(problem, DRAWS, seed=5)


def test_ninety_percent_intervals_cover_ninety_percent_of_prior_truths(table):
    cov = coverage(table, TRUTHS, K)
    lo, hi = binomial_band(TRUTHS)
    shares = cov.groupby("parameter")["inside"].mean()
    assert all(coverage_ok(cov).values()), (shares.to_dict(), (lo, hi))
    # the intervals say something: narrower than the prior for both parameters
    assert (cov.groupby("parameter")["width_ratio"].median() < 0.8).all()


def test_shrunk_intervals_fail_the_check(table):
    cov = coverage(table, TRUTHS, K, level=0.4)  # nominal 40 % intervals judged as if they were 90 %
    shares = cov.groupby("parameter")["inside"].mean()
    assert not any(coverage_ok(cov, level=0.9).values()), shares.to_dict()
    assert (shares < binomial_band(TRUTHS)[0] - 0.2).all(), shares.to_dict()  # far below, not a near miss


def test_distance_is_the_configs(table):
    obs = table.stats[0]
    d = distances(table, obs)
    assert d[0] == 0.0
    manual = np.max(np.abs(table.stats[1] - obs) * table.weights) if np.isinf(table.p) else \
        np.sum((np.abs(table.stats[1] - obs) * table.weights) ** table.p) ** (1 / table.p)
    assert d[1] == pytest.approx(manual)


def test_the_table_is_reproducible(tmp_path):
    cfg = load_config(_homogeneous_config(tmp_path, n_firms=60))
    problem = build_problem(cfg, data=USER_EXAMPLE)
    a, b = reference_table(problem, 6, seed=3), reference_table(problem, 6, seed=3)
    assert a.theta.equals(b.theta) and np.array_equal(a.stats, b.stats)
