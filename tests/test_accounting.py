"""Book-keeping: public cost is exactly the sum of what each lever paid out."""

from __future__ import annotations

import numpy as np
import pytest

from adoptsim import AdoptionModel
from adoptsim.run import tabulate
from adoptsim.state import PUBLIC, adopted_matrix
from conftest import scenario

LEVERS = dict(
    cluster="moradabad", n_firms=500, months=48,
    capex_subsidy_share=0.3, capex_subsidy_cap=20000.0, tariff_rebate_share=0.4, recognition_reward=2000.0,
    outreach_reach_per_month=25, outreach_cost_per_contact=300.0,
    demonstration_pilots=4, demonstration_cost_per_pilot=250000.0,
    enforcement_extra_inspection_rate=0.02, enforcement_cost_per_inspection=1500.0,
    vendors_extra_capacity=2.0, vendors_cost_per_extra_installation=10000.0,
    buyer_platform_engaged_share=0.5, buyer_platform_pressure=0.02, buyer_platform_cost_per_month=50000.0,
    green_finance_enabled=True, green_finance_guarantee=0.6, green_finance_rate_subsidy=0.05,
    green_finance_scheme_awareness=0.5, green_finance_promotion_cost=100.0,
    liquidity=5.0,  # enough own cash that capital upgrades (with imported parts, so a tariff rebate) are installed
)


@pytest.fixture(scope="module")
def model():
    return AdoptionModel(scenario(**LEVERS)).run()


def test_support_paid_matches_an_independent_recount(model):
    """Subsidy, tariff rebate (a share of the duty on the imported part) and rewards recomputed from who adopted what."""
    f, o, s = model.firms, model.options, model.config
    lv = s.levers
    adopted = adopted_matrix(f, len(o.capex_fixed))
    subsidy = rebate = reward = 0.0
    for i in range(model.n_firms):
        for k in range(len(o.capex_fixed)):
            if adopted[i, k] and not (f.demo[i] and k == 0):
                gross = o.capex_fixed[k] + o.capex_per_m3[k] * f.water_use[i]
                sub = min(lv.capex_subsidy.share * gross, lv.capex_subsidy.cap)
                reb = lv.tariff_rebate.share * model.params.import_duty * o.imported_share[k] * gross
                subsidy += sub
                rebate += reb
                reward += min(lv.recognition.reward, max(0.0, gross - sub - reb))
    cost = dict(zip(PUBLIC, model.series.public_cost.sum(axis=0)))
    assert subsidy > 0 and rebate > 0 and reward > 0
    assert cost["subsidy"] == pytest.approx(subsidy, rel=1e-9)
    assert cost["tariff_rebate"] == pytest.approx(rebate, rel=1e-9)
    assert cost["recognition"] == pytest.approx(reward, rel=1e-9)


def test_cluster_level_lever_costs(model):
    lv, n, T = model.config.levers, model.n_firms, model.config.months
    cost = dict(zip(PUBLIC, model.series.public_cost.sum(axis=0)))
    assert cost["outreach"] == model.series.contacts.sum() * 300.0
    assert model.series.contacts[1:].mean() == pytest.approx(25, rel=0.2)
    assert cost["demonstration"] == 4 * 250000.0
    assert cost["inspection"] == pytest.approx(T * n * 0.02 * 1500.0)
    assert cost["vendors"] == pytest.approx(T * 2 * 10000.0)
    assert cost["buyer_platform"] == pytest.approx(T * 50000.0)
    assert cost["scheme_promotion"] == model.firms.scheme_known.sum() * 100.0
    assert cost["rate_subsidy"] > 0 and cost["guarantee"] > 0
    assert lv.green_finance.enabled


def test_total_is_sum_of_levers_and_nothing_is_negative(model):
    frame = tabulate(model)
    parts = frame[[f"public_cost_{c}" for c in PUBLIC]].to_numpy()
    np.testing.assert_allclose(frame["public_cost_total"].to_numpy(), parts.sum(axis=1), rtol=1e-12)
    assert (parts >= 0).all()
    assert frame["public_cost_cumulative"].iloc[-1] == pytest.approx(parts.sum())
    for col in ("water_saved_m3_per_year", "chemicals_avoided_t_per_year", "power_avoided_kw", "private_investment"):
        assert (frame[col] >= 0).all(), col
    assert frame["water_saved_m3_per_year"].is_monotonic_increasing


def test_no_levers_no_public_cost():
    m = AdoptionModel(scenario(cluster="lahore", months=36)).run()
    assert m.series.adopters[-1] > 0
    assert m.series.public_cost.sum() == 0.0


def test_water_saved_matches_adopted_options(model):
    f, o = model.firms, model.options
    adopted = adopted_matrix(f, len(o.water_saving))
    remaining = np.prod(np.where(adopted, 1.0 - np.array(o.water_saving)[None, :], 1.0), axis=1)
    at_site = f.status == 0  # a firm that closed saves nothing any more
    assert model.series.water_saved[-1] == pytest.approx(((1 - remaining) * f.water_use)[at_site].sum(), rel=1e-12)


def test_public_support_never_exceeds_capex():
    """Subsidy + rebate + reward are capped by the cost they support."""
    m = AdoptionModel(scenario(cluster="lahore", months=36, capex_subsidy_share=0.9, tariff_rebate_share=1.0,
                               recognition_reward=1e9)).run()
    cost = dict(zip(PUBLIC, m.series.public_cost.sum(axis=0)))
    support = cost["subsidy"] + cost["tariff_rebate"] + cost["recognition"]
    f, o = m.firms, m.options
    adopted = adopted_matrix(f, len(o.capex_fixed)) & ~f.demo[:, None]
    capex = np.array(o.capex_fixed)[None, :] + np.array(o.capex_per_m3)[None, :] * f.water_use[:, None]
    assert support > 0
    assert support == pytest.approx((capex * adopted).sum(), rel=1e-9)  # everything was paid for
    assert m.series.private_investment.sum() == 0.0


def test_inspection_cost_counts_only_inspections_added():
    """Extra inspections beyond certainty (rate capped at 1) are not paid for."""
    m = AdoptionModel(scenario(cluster="taihu", months=12, enforcement_extra_inspection_rate=0.9,
                               enforcement_cost_per_inspection=100.0))
    base = m.profile.profile.inspection_rate
    assert base + 0.9 > 1
    cost = dict(zip(PUBLIC, m.run().series.public_cost.sum(axis=0)))
    assert cost["inspection"] == pytest.approx(12 * m.n_firms * (1 - base) * 100.0)


def test_reached_firms_are_counted_once(model):
    s = model.series
    assert s.reached[0] == 0 and np.all(np.diff(s.reached) >= 0)
    assert np.all(s.reached <= np.cumsum(s.contacts))  # repeat contacts do not count twice
    assert s.reached[-1] == model.firms.reached.sum() > 0
    assert np.all(s.adopters_reached <= np.minimum(s.reached, s.adopters))
