"""The defensive ABC proposal (adoptsim.calibrate.proposal): prior mixed into pyabc's kernel."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
import pytest

from adoptsim.calibrate.config import load_config
from adoptsim.calibrate.problem import build_problem
from adoptsim.calibrate.proposal import PriorMixture

ROOT = Path(__file__).resolve().parents[1]
SHARE = 0.3


def _fitted(share: float = SHARE) -> PriorMixture:
    """Uniform(0, 1) x Uniform(0, 1) prior; a kernel fitted to particles packed around (0.5, 0.5)."""
    prior = pyabc.Distribution(a=pyabc.RV("uniform", 0.0, 1.0), b=pyabc.RV("uniform", 0.0, 1.0))
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": 0.5 + 0.01 * rng.standard_normal(200), "b": 0.5 + 0.01 * rng.standard_normal(200)})
    proposal = PriorMixture(pyabc.MultivariateNormalTransition(), prior, share)
    proposal.fit(X, np.full(200, 1 / 200))
    return proposal


def test_importance_weights_are_bounded_by_one_over_the_share():
    """prior / proposal <= 1 / share everywhere (at prior draws, far from the kernel, and at kernel draws),
    and the density is the mixture of the two, one point or a table of them."""
    proposal = _fitted()
    np.random.seed(5)
    points = pd.DataFrame([proposal.prior.rvs() for _ in range(200)] + [proposal.kernel.rvs() for _ in range(200)])
    q = proposal.pdf(points)
    prior = np.array([proposal.prior.pdf(pyabc.Parameter(r)) for r in points.to_dict("records")])
    np.testing.assert_allclose(q, SHARE * prior + (1 - SHARE) * proposal.kernel.pdf(points), rtol=1e-12)
    assert np.all(prior / q <= 1 / SHARE * (1 + 1e-12))
    assert proposal.pdf(points.iloc[7]) == pytest.approx(q[7], rel=1e-12)
    # the kernel alone would give the prior draws far from its particles weights of thousands (or infinite)
    assert np.any(proposal.kernel.pdf(points) < 1e-3 * prior)


def test_a_share_of_the_proposals_come_from_the_prior():
    """Draws more than 0.1 from the particles come from the prior part only: share x 0.64 of them
    (a uniform draw lands outside the 0.2 x 0.2 square with probability 0.96; within 3 binomial sd of 4,000)."""
    proposal = _fitted()
    np.random.seed(11)
    draws = pd.DataFrame([proposal.rvs() for _ in range(4000)])
    far = ((draws["a"] - 0.5).abs() > 0.1) | ((draws["b"] - 0.5).abs() > 0.1)
    expected = SHARE * 0.96
    assert abs(far.mean() - expected) < 3 * np.sqrt(expected * (1 - expected) / 4000), far.mean()
    assert list(draws.columns) == ["a", "b"]


def test_the_share_must_be_a_proper_fraction():
    prior = pyabc.Distribution(a=pyabc.RV("uniform", 0.0, 1.0))
    for share in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="share"):
            PriorMixture(pyabc.MultivariateNormalTransition(), prior, share)


def test_the_mixture_is_part_of_the_problem():
    """Another share is another problem (a resume is refused), and the shipped run is a run of the shipped config.
    With prior_mixture = 0 the key is left out of the fingerprint, so runs recorded before it existed still
    resume (checked when it was added: the stop-23 config, mixture 0, gave run G's recorded 70a51d6c5c11a13f)."""
    config = load_config(ROOT / "calibration" / "lahore-moradabad.toml")
    shipped = build_problem(config).fingerprint()
    recorded = json.loads((ROOT / "calibration" / "runs" / "lahore-moradabad" / "run.json").read_text())
    assert recorded["fingerprint"] == shipped
    abc = config.config.abc
    assert abc.prior_mixture > 0
    prints = set()
    for share in (0.0, 0.1, abc.prior_mixture):
        config.config.abc = abc.model_copy(update={"prior_mixture": share})
        prints.add(build_problem(config).fingerprint())
    assert len(prints) == 3 and shipped in prints
