"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Mechanism tests run on the schema's documented defaults, not on adoptsim/data/calibrated.toml (which
# every recalibration changes). Tests of the shipped calibrated defaults use `shipped_calibration`.
os.environ["ADOPTSIM_CALIBRATED"] = "none"

from adoptsim.scenario import Scenario, with_overrides

DATA = Path(__file__).parent / "data"
HOMOGENEOUS = str(DATA / "homogeneous.toml")

FRICTIONLESS = dict(
    cluster=HOMOGENEOUS, locality_weight=0.0, q_association=0.0, belief_prior=1.0, learn_peer=0.0,
    learn_demo=0.0, attention=1.0, decision_noise=0.0, horizon_sigma=0.0, horizon_median=12.0,
)


def scenario(**overrides) -> Scenario:
    """The default scenario with flat-named overrides."""
    return with_overrides(Scenario(), origin="<test>", **overrides)


@pytest.fixture
def make_scenario():
    return scenario


@pytest.fixture(scope="module")
def shipped_calibration():
    """The shipped calibrated defaults (adoptsim/data/calibrated.toml) for a whole test module."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("ADOPTSIM_CALIBRATED")
        yield
