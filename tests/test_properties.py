"""Property tests: any valid scenario runs, and the monthly outcome series stay consistent.

Behaviour and lever values are drawn from the parameter space
(:data:`adoptsim.scenario.space.PARAMETERS`, read from the schema), so a new
parameter is covered automatically. Fields
without an upper bound (costs, caps, capacities) get a finite test range, plus
``inf`` where infinity is the default.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from adoptsim import kernel
from adoptsim.population import build_world
from adoptsim.profiles import load_profile, shipped_profiles
from adoptsim.rules.economics import acceptance_probability
from adoptsim.scenario import Behaviour, Levers, Scenario, ScenarioError, scenario_from_dict, with_overrides
from adoptsim.scenario.space import PARAMETERS, Parameter
from adoptsim.state import adopted_matrix

CLUSTERS = shipped_profiles()

# Finite upper ends for fields the schema leaves unbounded above.
OPEN_ENDED = {
    "cap": 5e7,
    "capacity_per_month": 30.0,
    "extra_capacity": 10.0,
    "reach_per_month": 100.0,
    "penalty": 1e7,
    "reward": 1e6,
}
DEFAULT_OPEN_END = 1e6
# Draws that matter only up to the firm count: keep them small.
INT_CAPS = {"pilots": 80, "deadline_month": 40}


def _floats(p: Parameter) -> st.SearchStrategy:
    lo = 0.0 if p.low is None else float(p.low)
    hi, hi_open = (float(p.high), p.high_open) if p.high is not None else (math.inf, False)
    if hi > 1e9:  # open-ended (or a guard bound far beyond any use): a finite test range
        hi, hi_open = OPEN_ENDED.get(p.path[-1], DEFAULT_OPEN_END), False
    finite = st.floats(lo, hi, exclude_min=p.low_open, exclude_max=hi_open, allow_nan=False, allow_infinity=False)
    if isinstance(p.default, float) and math.isinf(p.default):
        return st.one_of(st.just(p.default), finite)
    return finite


def _strategy(p: Parameter) -> st.SearchStrategy:
    """Values of one parameter, from its declared kind and bounds."""
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "choice":
        return st.sampled_from(p.choices)
    if p.kind == "int":
        return st.integers(int(p.low or 0), min(int(p.high), INT_CAPS.get(p.path[-1], int(p.high))))
    if p.kind == "float":
        return st.none() | _floats(p) if p.optional else _floats(p)
    raise AssertionError(f"no strategy for parameter {p.key!r} ({p.kind})")


def _model_strategy(model: type[BaseModel], group: str, special: dict[str, st.SearchStrategy] | None = None):
    special = special or {}
    fields = {p.path[-1]: special[p.path[-1]] if p.path[-1] in special else _strategy(p) for p in PARAMETERS.group(group)}
    assert set(fields) == set(model.model_fields), group  # the space covers every field
    return st.fixed_dictionaries(fields).map(lambda kw: model(**kw))


def _levers(options: list[str], profile=None) -> st.SearchStrategy:
    parts = {}
    for lever, info in Levers.model_fields.items():
        special = {"option": st.sampled_from(["", *options])} if lever == "demonstration" else {}
        has = lambda table: profile is not None and bool(getattr(profile, table))  # noqa: E731
        share = st.floats(0.0, 1.0 / 3.0)  # the three co-finance shares may not sum above 1
        if lever == "common_plant":
            special = {"design": st.just(""), "grant_share": share, "interest_free_share": share,
                       "consortium_share": share}
            if not has("common_plants"):
                special.update(enabled=st.just(False), existing=st.just(False))
        if lever == "mandate" and not has("relocation"):
            special = {"exit_after_months": st.just(-1)}
        if lever == "water" and not has("water"):
            special = {"feedback": st.just(False)}
        parts[lever] = _model_strategy(info.annotation, lever, special)
    return st.fixed_dictionaries(parts).map(lambda kw: Levers(**kw))


@st.composite
def scenarios(draw) -> Scenario:
    cluster = draw(st.sampled_from(CLUSTERS))
    profile = load_profile(cluster)
    options = profile.option_names
    scenario = Scenario(
        cluster=cluster,
        n_firms=draw(st.integers(20, 60)),
        months=draw(st.integers(6, 24)),
        seed=draw(st.integers(0, 2**63 - 1)),
        behaviour=draw(_model_strategy(Behaviour, "behaviour")),
        levers=draw(_levers(options, profile)),
    )
    # keep only scenarios a scenario file could hold (cross-field checks, e.g. a
    # demonstration of an option the expansion rule blocks, live in scenario_from_dict)
    try:
        scenario_from_dict(scenario.model_dump())
    except ScenarioError:
        assume(False)
    return scenario


def _check_invariants(world, scenario: Scenario) -> None:
    s, f, opts = world.series, world.firms, world.options
    n, T = scenario.n_firms, scenario.months
    assert f.id.shape[0] == n
    assert s.adopters.shape == (T + 1,)

    # counts in range
    assert np.all((0 <= s.adopters) & (s.adopters <= n))
    assert np.all((0 <= s.aware) & (s.aware <= n))
    assert np.all((0 <= s.by_option) & (s.by_option <= n))
    assert np.all((0 <= s.compliant) & (s.compliant <= n))
    assert np.all((0 <= s.contacts) & (s.contacts <= n))
    assert np.all(s.installs >= 0)

    # adoption is irreversible, awareness too
    assert np.all(np.diff(s.adopters) >= 0)
    assert np.all(np.diff(s.by_option, axis=0) >= 0)
    assert np.all(np.diff(s.aware) >= 0)
    # only aware firms adopt (demonstration pilots are made aware)
    assert np.all(s.aware >= s.adopters)

    # an adopter holds at least one option, each option-holder is an adopter
    assert np.all(s.by_option.sum(axis=1) >= s.adopters)
    assert np.all(s.by_option.max(axis=1) <= s.adopters)
    # each installation adds exactly one option to one firm
    assert np.array_equal(np.diff(s.by_option.sum(axis=1)), s.installs[1:])
    assert s.installs[0] == 0

    # breakdowns add up to the adopter count
    assert np.array_equal(s.by_sector.sum(axis=1), s.adopters)
    assert np.array_equal(s.by_size.sum(axis=1), s.adopters)
    assert np.array_equal(s.by_member.sum(axis=1), s.adopters)

    # physical outcomes and costs are non-negative and finite
    for name in ("water_saved", "chemicals", "energy", "pollution_load", "private_investment"):
        arr = getattr(s, name)
        assert np.all(np.isfinite(arr)) and np.all(arr >= 0), name
    assert np.all(np.isfinite(s.public_cost)) and np.all(s.public_cost >= 0)
    # water saved cannot exceed water used
    assert np.all(s.water_saved <= f.water_use.sum() * (1 + 1e-12))

    # demonstration pilots and the profile's installed base are in place (aware adopters) from month 0
    from adoptsim.population import build_world

    pilots = min(scenario.levers.demonstration.pilots, n)
    start = build_world(scenario).firms
    assert s.adopters[0] == (start.adopted != 0).sum() >= pilots
    assert s.aware[0] == start.aware.sum() == ((start.adopted != 0) | start.demo).sum()
    assert int(f.demo.sum()) == pilots

    # blocked options are never installed after month 0
    for k in np.flatnonzero(np.array(opts.blocked, dtype=bool)):
        assert np.all(s.by_option[:, k] == s.by_option[0, k])

    # collective layer: every initial firm in exactly one status; the water balance closes
    assert np.all(s.status.sum(axis=1) == n)
    assert np.all(np.diff(s.status[:, 2:], axis=0) >= 0)
    np.testing.assert_allclose(s.demand, s.abstraction + s.water_saved, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(s.abstraction, s.consumed + s.discharged, rtol=1e-9, atol=1e-6)
    assert np.all(s.operating_own <= s.installed_own)
    assert np.all(f.operating & ~f.adopted == 0)  # a firm runs only units it installed (record relies on it)
    assert np.all(s.operating_common <= s.installed_common * (1 + 1e-10))  # a plant takes firms up to its capacity

    # the last row matches the final firm state
    adopted = adopted_matrix(f, len(opts.capex_fixed))
    assert np.array_equal(s.by_option[T], adopted.sum(axis=0))
    assert s.adopters[T] == int(adopted.any(axis=1).sum())
    assert s.aware[T] == int(f.aware.sum())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_any_valid_scenario_runs_and_keeps_invariants(scenario):
    world = build_world(scenario)
    kernel.simulate(world.firms, world.options, world.params, world.cost, world.series)
    _check_invariants(world, scenario)


def test_invariants_hold_in_a_busy_run():
    """A deterministic run where adoption, pilots, outreach and costs all happen."""
    scenario = with_overrides(
        Scenario(cluster="lahore", n_firms=60, months=24, seed=11),
        attention=0.5, p_innovation=0.1, capex_subsidy_share=0.3, demonstration_pilots=3,
        demonstration_cost_per_pilot=1000.0, outreach_reach_per_month=10.0, outreach_cost_per_contact=5.0,
        green_finance_enabled=True, green_finance_rate_subsidy=0.05, vendors_capacity_per_month=2.0,
    )
    world = build_world(scenario)
    kernel.simulate(world.firms, world.options, world.params, world.cost, world.series)
    _check_invariants(world, scenario)
    s = world.series
    assert s.adopters[-1] > s.adopters[0] >= 3  # adoption does happen, so the invariants are not vacuous
    assert s.installs.max() <= 2  # vendor capacity binds
    assert s.public_cost.sum() > 0


def test_tiny_decision_noise_does_not_crash():
    """Regression: decision_noise * horizon used to underflow to 0 and raise ZeroDivisionError."""
    for accept in (acceptance_probability, acceptance_probability.py_func):
        assert accept(10.0, 0.1, 5e-324) == 0.0  # behaves as the deterministic test
        assert accept(0.05, 0.1, 5e-324) == 1.0
    scenario = with_overrides(
        Scenario(cluster="lahore", n_firms=40, months=6),
        decision_noise=5e-324, horizon_median=0.1, horizon_sigma=0.0, attention=1.0, p_innovation=1.0,
    )
    world = build_world(scenario)
    kernel.simulate(world.firms, world.options, world.params, world.cost, world.series)
    _check_invariants(world, scenario)


def test_a_fined_firm_that_installs_unaware_becomes_aware():
    """Regression (found by the random search): with no awareness channel at all, a firm fined under the baseline
    inspections weighs the options that would pass and installs one; installing makes it aware, so aware >= adopters."""
    zero = dict.fromkeys(("p_innovation", "q_imitation", "q_association", "locality_weight", "belief_prior",
                          "learn_peer", "learn_demo", "belief_spillover", "learn_dropout", "attention",
                          "horizon_sigma", "decision_noise", "free_riding"), 0.0)
    scenario = with_overrides(Scenario(cluster="moradabad", n_firms=20, months=6, seed=0), horizon_median=1.0,
                              upfront_weight=1.0, capex_subsidy_share=1.0, demonstration_pilots=0,
                              green_finance_guarantee_cover=0.0, green_finance_scheme_awareness=0.0, **zero)
    world = build_world(scenario)
    kernel.simulate(world.firms, world.options, world.params, world.cost, world.series)
    assert world.series.adopters[-1] > 0 and world.series.penalties.sum() > 0  # the case arises: fined, then installs
    _check_invariants(world, scenario)
