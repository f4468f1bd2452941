"""Directional properties on replicated runs with fixed seeds (common random numbers)."""

from __future__ import annotations

import numpy as np

from adoptsim import AdoptionModel
from adoptsim.profiles import load_profile
from adoptsim.run import tabulate
from conftest import scenario

SEEDS = range(6)
MORADABAD = dict(cluster="moradabad", n_firms=600, months=72)


def final_shares(**kw) -> np.ndarray:
    """Final adoption share for each replicate seed."""
    return np.array([AdoptionModel(scenario(seed=s, **kw)).run().adoption_share for s in SEEDS])


def test_capex_subsidy_never_lowers_adoption():
    means = [final_shares(**MORADABAD, capex_subsidy_share=s).mean() for s in (0.0, 0.25, 0.5)]
    assert means[0] < means[1] < means[2]


def test_cheaper_credit_never_lowers_adoption():
    gf = dict(MORADABAD, green_finance_enabled=True, green_finance_guarantee=0.5)
    shares = [final_shares(**gf, green_finance_rate_subsidy=r) for r in (0.0, 0.05, 0.10)]
    assert shares[0].mean() <= shares[1].mean() <= shares[2].mean()
    # with common random numbers cheaper credit never lowers any single replicate much
    assert np.all(shares[2] >= shares[0] - 0.01)


def test_finance_raises_adoption_in_every_size_class():
    """Pattern 4: a guarantee plus consortium loans relaxes the cash constraint."""
    def by_size(**kw):
        rows = [tabulate(AdoptionModel(scenario(seed=s, **kw)).run()).iloc[-1] for s in SEEDS]
        return {z: np.mean([r[f"share_size_{z}"] for r in rows]) for z in ("micro", "small", "medium")}
    base = by_size(**MORADABAD)
    fin = by_size(**MORADABAD, green_finance_enabled=True, green_finance_guarantee=0.8,
                  green_finance_consortium=True)
    gains = {z: fin[z] - base[z] for z in base}
    assert all(g > 0.05 for g in gains.values()), gains


def test_blocking_an_option_removes_its_adoption():
    """Pattern 6: Taihu's rule against new lines stops the machinery upgrade; relaxing restores it."""
    taihu = dict(cluster="taihu", months=120, attention=0.3, horizon_median=30.0)
    k = load_profile("taihu").option_names.index("modern_dyeing")
    blocked = [AdoptionModel(scenario(seed=s, **taihu, expansion_rule_blocks_new_lines=True)).run() for s in SEEDS]
    open_ = [AdoptionModel(scenario(seed=s, **taihu)).run() for s in SEEDS]
    assert all(m.series.by_option[:, k].max() == 0 for m in blocked)
    assert sum(m.series.by_option[-1, k] for m in open_) > 0


def test_mandate_without_feasible_finance_does_not_produce_full_compliance():
    """Pattern 5 (first half): a costly ZLD mandate without finance stalls."""
    kanpur = dict(cluster="kanpur", months=60, mandate_level=2, mandate_deadline_month=12,
                  mandate_penalty=2e6, enforcement_extra_inspection_rate=0.05)
    for s in SEEDS:
        m = AdoptionModel(scenario(seed=s, **kanpur)).run()
        assert m.series.compliant[-1] < 0.5 * m.n_firms


def test_outreach_without_business_case_gives_awareness_more_than_uptake():
    """Pattern 8: contacts make firms aware; the business case is what moves uptake."""
    reach = dict(MORADABAD, outreach_reach_per_month=100)
    base = [AdoptionModel(scenario(seed=s, **MORADABAD)).run() for s in SEEDS]
    aware_only = [AdoptionModel(scenario(seed=s, **reach)).run() for s in SEEDS]
    with_case = [AdoptionModel(scenario(seed=s, **reach, outreach_business_case=2.0)).run() for s in SEEDS]
    mean = lambda runs, attr: np.mean([getattr(m, attr) for m in runs])  # noqa: E731
    assert mean(aware_only, "aware_share") > mean(base, "aware_share") + 0.2
    assert mean(with_case, "adoption_share") > mean(aware_only, "adoption_share")
    assert mean(aware_only, "adoption_share") < 0.7 * mean(aware_only, "aware_share")


def test_association_members_adopt_more():
    """Pattern 2: the association channel concentrates uptake among members."""
    rows = [tabulate(AdoptionModel(scenario(seed=s, **MORADABAD)).run()).iloc[-1] for s in SEEDS]
    assert np.mean([r.share_members for r in rows]) > np.mean([r.share_non_members for r in rows])


def test_low_cost_practices_spread_first_and_widest():
    """Pattern 3: the practice package leads every other option at every month."""
    m = AdoptionModel(scenario(**MORADABAD)).run()
    by_option = m.series.by_option
    assert np.all(by_option[:, 0][:, None] >= by_option[:, 1:])
    assert by_option[-1, 0] > 2 * by_option[-1, 1:].max()


def test_liquidity_scales_every_firms_cash():
    """behaviour.liquidity multiplies the free-cash share: with the same draws, cash scales exactly."""
    from adoptsim.population import build_world

    one = build_world(scenario(cluster="moradabad", n_firms=500, seed=3)).firms.cash
    more = build_world(scenario(cluster="moradabad", n_firms=500, seed=3, liquidity=2.5)).firms.cash
    assert one.min() > 0
    np.testing.assert_allclose(more, 2.5 * one, rtol=1e-12)


def test_a_contact_with_a_business_case_is_an_evaluation():
    """With attention 0 nobody evaluates on their own; a contact bringing a costed case still prompts one.

    No penalties, since a fine prompts an evaluation too."""
    base = dict(cluster="moradabad", n_firms=500, months=24, attention=0.0, outreach_reach_per_month=50.0,
                enforcement_penalty=0.0)
    for seed in SEEDS:
        plain = AdoptionModel(scenario(seed=seed, **base)).run()
        case = AdoptionModel(scenario(seed=seed, **base, outreach_business_case=2.0)).run()
        assert plain.series.adopters[-1] == 0 and plain.series.reached[-1] > 0
        adopters = case.firms.adopted != 0
        assert adopters.sum() > 0 and case.firms.reached[adopters].all()
