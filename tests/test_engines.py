"""The two engines run one set of rules: identical results, order-free randomness."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from adoptsim import AdoptionModel
from adoptsim.population import build_world
from adoptsim.rules.schedule import step_month
from adoptsim.rules.signals import take_census
from adoptsim.run import tabulate
from adoptsim.state import PUBLIC, new_work
from conftest import scenario

# Small scenarios that switch on every mechanism between them.
CASES = {
    "moradabad-baseline": dict(cluster="moradabad", n_firms=400, months=48),
    "lahore-green-finance": dict(
        cluster="lahore", months=48, green_finance_enabled=True, green_finance_rate_subsidy=0.08,
        green_finance_guarantee=0.5, green_finance_consortium=True, green_finance_scheme_awareness=0.6,
        capex_subsidy_share=0.2, capex_subsidy_cap=2e6, down_payment=0.1),
    "kanpur-mandate-buyers": dict(
        cluster="kanpur", months=48, mandate_level=2, mandate_deadline_month=18, mandate_penalty=5e6,
        mandate_legal_uncertainty=0.3, buyer_platform_engaged_share=0.6, buyer_platform_pressure=0.05,
        enforcement_extra_inspection_rate=0.05, enforcement_cost_per_inspection=2000.0),
    "moradabad-outreach-demo-vendors": dict(
        cluster="moradabad", n_firms=600, months=48, outreach_reach_per_month=40, outreach_business_case=0.5,
        outreach_cost_per_contact=500.0, demonstration_pilots=5, demonstration_option="counter_current",
        demonstration_cost_per_pilot=1e6, vendors_capacity_per_month=3, tariff_rebate_share=0.5,
        recognition_reward=10000.0),
    "taihu-expansion-rule": dict(cluster="taihu", months=48, expansion_rule_blocks_new_lines=True,
                                 attention=0.3, demonstration_pilots=1),
    # collective layer: pledges, co-finance, construction, connection, idle units, exits, park plots, water feedback
    "kanpur-collective": dict(
        cluster="kanpur", months=60, mandate_level=1, mandate_deadline_month=24, mandate_penalty=2e6,
        mandate_legal_uncertainty=0.2, mandate_exit_after_months=6, enforcement_extra_inspection_rate=0.05,
        enforcement_inspection_mode="presence", common_plant_enabled=True, common_plant_proposal_month=12,
        common_plant_pledge_months=30, common_plant_grant_share=0.4, common_plant_interest_free_share=0.3,
        common_plant_consortium_share=0.2, common_plant_organising=True, common_plant_organising_cost_per_member=1000.0,
        green_finance_enabled=True, green_finance_consortium=True, green_finance_guarantee=0.7,
        relocation_park_plots=20, relocation_land_subsidy=0.5, relocation_support_share=0.3, water_feedback=True),
    "taihu-park-committee": dict(
        cluster="taihu", months=48, common_plant_existing=True, common_plant_committee_monitoring=0.5,
        common_plant_committee_penalty=5e4, attention=0.3, demonstration_pilots=1, buyer_platform_engaged_share=0.5,
        buyer_platform_pressure=0.05, water_feedback=True),
}


def assert_same_series(a, b) -> None:
    for field in a.series._fields:
        x, y = getattr(a.series, field), getattr(b.series, field)
        assert np.array_equal(x, y), f"series.{field} differs"
    for field in a.firms.dtype.names:
        assert np.array_equal(a.firms[field], b.firms[field]), f"firms.{field} differs"
    assert a.firms.tobytes() == b.firms.tobytes()  # bit for bit, floats included
    assert a.bodies.tobytes() == b.bodies.tobytes()  # the collective bodies too


@pytest.mark.parametrize("case", sorted(CASES))
def test_engines_identical(case):
    s = scenario(**CASES[case])
    fast = AdoptionModel(s, engine="numba").run()
    slow = AdoptionModel(s, engine="agents", shuffle=True).run()
    assert fast.series.adopters[-1] > 0, "scenario too weak to test anything"
    assert_same_series(fast, slow)


def test_engines_identical_step_by_step():
    s = scenario(**CASES["lahore-green-finance"])
    fast, slow = AdoptionModel(s), AdoptionModel(s, engine="agents")
    for _ in range(12):
        fast.step()
        slow.step()
        assert fast.adoption_share == slow.adoption_share
    assert_same_series(fast, slow)


def test_collective_cases_exercise_the_layer():
    """The collective cases really use every new entity and submodel (so their equivalence means something)."""
    k = AdoptionModel(scenario(**CASES["kanpur-collective"])).run().series
    assert k.plants[-1, 3] > 0 and k.connected.max() > 0 and k.pledgers.max() > 0
    assert k.status[-1, 2] > 0 and k.status[-1, 4] > 0 and k.idle_units.max() > 0
    collective = [PUBLIC.index(name) for name in ("plant_grant", "plant_loan", "pledge_organising",
                                                   "relocation_support", "park_land", "guarantee")]
    assert k.water_cost.max() > 0 and k.public_cost[:, collective].sum(axis=0).min() > 0
    assert k.defaults.sum() > 0 and k.debt.max() > 0 and k.penalties.sum() > 0   # the cash book's paths too
    t = AdoptionModel(scenario(**CASES["taihu-park-committee"])).run().series
    assert t.connected[0] == 23 and t.connected[-1] > 0 and t.operating_common.max() > 0
    assert t.insolvencies.sum() > 0   # committee fines close the weakest untreated mills


def test_capacity_queue_binds_and_engines_agree():
    s = scenario(**CASES["moradabad-outreach-demo-vendors"])
    fast = AdoptionModel(s).run()
    assert fast.series.installs[1:].max() == 3  # the queue really was the constraint
    assert_same_series(fast, AdoptionModel(s, engine="agents", shuffle=True).run())


def test_same_seed_same_result_different_seed_differs():
    s = scenario(cluster="moradabad", n_firms=500, months=60)
    a, b = AdoptionModel(s).run(), AdoptionModel(s).run()
    assert_same_series(a, b)
    c = AdoptionModel(s, seed=s.seed + 1).run()
    assert not np.array_equal(a.series.adopters, c.series.adopters)


def test_firm_traits_do_not_depend_on_population_size():
    """Firm i is the same firm in a population of 100 or 1,000 (draws keyed by id)."""
    small = AdoptionModel(scenario(n_firms=100, months=1))
    large = AdoptionModel(scenario(n_firms=1000, months=1))
    for field in ("sector", "size_class", "water_use", "cash", "horizon", "member", "bank"):
        assert np.array_equal(getattr(small.firms, field), getattr(large.firms, field)[:100]), field


def test_order_of_activation_is_irrelevant():
    """Shuffled activation with different Mesa RNG streams gives bit-identical series."""
    s = scenario(**CASES["kanpur-mandate-buyers"])
    runs = []
    for mesa_seed in (1, 2):
        m = AdoptionModel(s, engine="agents", shuffle=True)
        m.random.seed(mesa_seed)  # changes the shuffle order only
        runs.append(m.run())
    assert_same_series(*runs)


def test_mesa_face():
    from adoptsim.agents import Body, Firm

    m = AdoptionModel(n_firms=50, months=3)
    assert len(m.agents_by_type[Firm]) == 50
    assert len(m.agents_by_type[Body]) == m.profile.profile.n_localities
    firm = m.agents_by_type[Firm][0]
    assert firm.size in ("micro", "small", "medium") and firm.sector in m.profile.sectors
    m.run()
    frame = m.datacollector.get_model_vars_dataframe()
    table = tabulate(m)
    assert list(frame.columns[:3]) == ["adoption_share", "aware_share", "public_cost"]  # the earlier names first
    assert list(frame.columns[3:]) == list(table.columns)  # then every outcome column of the run
    assert np.array_equal(frame["water_saved_m3_per_year"], table["water_saved_m3_per_year"])
    assert np.array_equal(frame["public_cost"], table["public_cost_cumulative"])


def test_batch_run_varies_scenario_values():
    results = mesa.batch_run(
        AdoptionModel,
        parameters={"n_firms": 200, "months": 24, "capex_subsidy_share": [0.0, 0.5], "cluster": "lahore"},
        rng=[1, 2], max_steps=24, number_processes=1, display_progress=False,
    )
    assert len(results) == 4
    assert {r["capex_subsidy_share"] for r in results} == {0.0, 0.5}
    assert all(r["Step"] == 24 for r in results)
    by_seed = {(r["rng"], r["capex_subsidy_share"]): r["adoption_share"] for r in results}
    assert by_seed[(1, 0.0)] != by_seed[(2, 0.0)] or by_seed[(1, 0.5)] != by_seed[(2, 0.5)]


def test_datacollector_identical_across_engines():
    s = scenario(**CASES["lahore-green-finance"])
    a = AdoptionModel(s).run().datacollector.get_model_vars_dataframe()
    b = AdoptionModel(s, engine="agents").run().datacollector.get_model_vars_dataframe()
    assert len(a) == s.months + 1
    assert a.equals(b)


def test_random_draws_identical_compiled_and_in_python():
    """The key passes through Python as an int; draws must not change."""
    from adoptsim import rng

    for seed, firm, month, purpose in [(1, 5, 3, 1), (2**62, 10**6, 1200, 19), (0, 0, 0, 0)]:
        assert rng.uniform(seed, firm, month, purpose) == rng.uniform.py_func(seed, firm, month, purpose)
        key = rng.stream(seed, firm, month)
        assert rng.draw(key, purpose) == rng.uniform(seed, firm, month, purpose)


def test_record_pass_census_equals_a_fresh_count():
    """The census the record pass carries to the next month's signals is, every month, the count of the firm
    table at the month's end, and the month's request list is the firms that asked a vendor, in firm order."""
    world = build_world(scenario(**CASES["kanpur-collective"]))
    firms, p, opts = world.firms, world.params, world.options
    work = new_work(firms.shape[0], p.n_localities)
    fresh = np.zeros_like(work.census)
    requested = 0
    for month in range(1, p.months + 1):
        step_month(month, firms, world.bodies, opts, p, world.cost, world.series, work)
        assert work.census_month[0] == month
        take_census(firms, fresh, len(opts.capex_fixed))
        for name in fresh.dtype.names:  # field by field: the record's padding bytes are not data
            assert np.array_equal(work.census[name], fresh[name]), f"census.{name} differs after month {month}"
        listed = work.requests[:work.n_requests[0]]
        assert np.all(np.diff(listed) > 0)
        assert set(np.flatnonzero(firms.intent >= 0)) <= set(listed)  # the queue only cancels requests
        requested += listed.size
    assert fresh["adopters"].sum() > 0 and fresh["dropped"].sum() > 0 and requested > 0


def test_edits_between_steps_reach_the_next_months_signals():
    """Each compiled call counts the firm table afresh: a change made between two steps (here a third of the firms
    given option 0 off-model) reaches the next month's signals as it does on the per-agent path."""
    s = scenario(**CASES["moradabad-outreach-demo-vendors"])
    fast, slow, untouched = AdoptionModel(s), AdoptionModel(s, engine="agents"), AdoptionModel(s)
    for model in (fast, slow, untouched):
        for _ in range(6):
            model.step()
    for model in (fast, slow):
        model.firms.adopted[::3] |= 1
    for model in (fast, slow, untouched):
        for _ in range(6):
            model.step()
    assert_same_series(fast, slow)
    assert not np.array_equal(fast.series.aware, untouched.series.aware)
